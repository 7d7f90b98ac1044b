#!/usr/bin/env node
// The CDK app: one demo stack per pattern, the profile from context, every compliance gate registered.
//   npx cdk synth                        (sandbox profile)
//   npx cdk synth -c profile=production
import { App } from 'aws-cdk-lib';
import { parseProfile, PROFILE_CONTEXT_KEY } from '../lib/core/profile';
import { buildReferenceApp } from './reference-app';

const app = new App();
buildReferenceApp(app, parseProfile(app.node.tryGetContext(PROFILE_CONTEXT_KEY)));
app.synth();
