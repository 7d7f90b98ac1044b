import { Stack, Stage, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge, guardRule, packOf } from '../../lib/core/acknowledge';
import { testApp } from '../support/app';

const REASON = 'A reason long enough to explain the decision to a learner.';

describe('acknowledge', () => {
  const setup = () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    return { app, stack, queue: new sqs.Queue(stack, 'Q') };
  };

  test('records the exact rule id and reason on the construct', () => {
    const { queue } = setup();
    acknowledge(
      queue,
      { id: 'AwsSolutions-SQS3', reason: REASON },
      { id: guardRule('sqs_dlq_check'), reason: REASON },
    );
    const entries = queue.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(entries.map((e) => e.data)).toEqual([
      { 'Annotation::AwsSolutions-SQS3': REASON },
      { 'cdk-validator-cfnguard::sqs_dlq_check': REASON },
    ]);
  });

  test('accepts granular ids', () => {
    const { queue } = setup();
    expect(() =>
      acknowledge(queue, { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: REASON }),
    ).not.toThrow();
  });

  test.each([
    ['AwsSolutions-*', 'is not an exact rule id'],
    ['SQS3', 'is not an exact rule id'],
    ['SomePack-SQS3', 'is not an exact rule id'],
    ['cdk-validator-cfnguard::*', 'is not an exact rule id'],
  ])('rejects the id %s', (id, message) => {
    const { queue } = setup();
    expect(() => acknowledge(queue, { id, reason: REASON })).toThrow(message);
  });

  test('rejects a reason that explains nothing', () => {
    const { queue } = setup();
    expect(() => acknowledge(queue, { id: 'AwsSolutions-SQS3', reason: 'not needed' })).toThrow(
      "acknowledge(S/Q): the reason for AwsSolutions-SQS3 must explain the decision in at least 40 characters; received 'not needed'",
    );
  });

  test('rejects acknowledgments on a stack or the app (no blanket suppression)', () => {
    const { app, stack } = setup();
    expect(() => acknowledge(stack, { id: 'AwsSolutions-SQS3', reason: REASON })).toThrow(
      'acknowledgments on an app, stage or stack are not allowed',
    );
    expect(() => acknowledge(app, { id: 'AwsSolutions-SQS3', reason: REASON })).toThrow(
      'acknowledgments on an app, stage or stack are not allowed',
    );
  });

  test('rejects a CDK Stage but accepts an API Gateway stage (which also has a stageName)', () => {
    const { app } = setup();
    const stage = new Stage(app, 'Beta');
    expect(() => acknowledge(stage, { id: 'AwsSolutions-SQS3', reason: REASON })).toThrow(
      'acknowledgments on an app, stage or stack are not allowed',
    );
    const api = new apigateway.RestApi(new Stack(app, 'Api'), 'Rest');
    api.root.addMethod('GET');
    expect(() =>
      acknowledge(api.deploymentStage, { id: 'AwsSolutions-APIG3', reason: REASON }),
    ).not.toThrow();
  });

  test('rejects an empty call', () => {
    const { queue } = setup();
    expect(() => acknowledge(queue)).toThrow('give at least one rule id and reason');
  });

  test('packOf names the pack', () => {
    expect(packOf('NIST.800.53.R5-LambdaInsideVPC')).toBe('NIST.800.53.R5');
    expect(packOf('AwsSolutions-IAM5[Action::s3:*]')).toBe('AwsSolutions');
    expect(packOf(guardRule('sqs_dlq_check'))).toBe('ControlTower (cfn-guard)');
    expect(packOf('CloudFormation-Validate::W3010')).toBe('CloudFormation validation (by aws-cdk-lib)');
  });
});
