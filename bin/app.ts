#!/usr/bin/env node
// The CDK app: one demo stack per pattern, the profile from context, every compliance gate registered.
//   npx cdk synth                        (sandbox profile)
//   npx cdk synth -c profile=production
import { App } from 'aws-cdk-lib';
import { registerComplianceGates } from '../lib/core/compliance-gates';
import { parseProfile, PROFILE_CONTEXT_KEY } from '../lib/core/profile';
import { addReferenceStacks } from '../lib/stacks/reference-app';

const app = new App();
const profile = parseProfile(app.node.tryGetContext(PROFILE_CONTEXT_KEY));
addReferenceStacks(app, profile);
registerComplianceGates(app);
app.synth();
