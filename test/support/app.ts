import * as fs from 'fs';
import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';

const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** The `context` block of cdk.json: the feature flags the real app runs with. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')).context;
}

/**
 * An App configured like `npx cdk synth`: `new App()` inside jest does not read cdk.json, and without
 * its feature flags an Auto Scaling group renders a launch configuration and nag results change.
 * Lambda bundling is skipped (`aws:cdk:bundling-stacks: []`): unit tests check templates, not bundles.
 */
export function testApp(context: Record<string, unknown> = {}, props: Omit<AppProps, 'context'> = {}): App {
  return new App({
    ...props,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });
}
