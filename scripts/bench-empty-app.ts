// The baseline for `npm run bench` (issue 17): what `cdk init` gives, one stack holding one inert
// resource, no compliance gate. aws-cdk-lib's own CloudFormation validation runs, as in any CDK app.
// The real app's synth is budgeted against this: everything above it is the patterns and the gates.
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';

const app = new App();
new CfnWaitConditionHandle(new Stack(app, 'BenchEmpty'), 'Inert');
app.synth();
