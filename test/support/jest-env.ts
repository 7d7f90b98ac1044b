// The CloudFormation validator built into aws-cdk-lib costs about 2 s per synth. Unit tests switch it
// off; `gateFindings` (test/support/compliance.ts) and `npm run synth:all` run it on every stack.
process.env.CDK_VALIDATION = 'false';
