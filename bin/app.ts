#!/usr/bin/env node
// The CDK app: one demo stack per pattern, the profile from context, every compliance gate registered.
//   npx cdk synth                        (sandbox profile)
//   npx cdk synth -c profile=production
import { App } from 'aws-cdk-lib';
import { parseProfile, PROFILE_CONTEXT_KEY } from '../lib/core/profile';
import { buildReferenceApp } from './reference-app';

const app = new App();
let profile;
try {
  profile = parseProfile(app.node.tryGetContext(PROFILE_CONTEXT_KEY));
} catch (err) {
  // A mistyped `-c profile=...` is the user's input, not a bug: the message says what to type, and a Node
  // stack trace under it would only bury it.
  console.error((err as Error).message);
  process.exit(1);
}
buildReferenceApp(app, profile);
app.synth();
