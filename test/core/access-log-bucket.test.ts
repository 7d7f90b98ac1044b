import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccessLogBucket, ACCESS_LOG_EXPIRATION } from '../../lib/core/secure-bucket';
import { testApp } from '../support/app';

describe('AccessLogBucket lifecycle (issue 16, 8b)', () => {
  test('current access-log objects expire after a year, noncurrent versions and abandoned uploads sooner', () => {
    const stack = new Stack(testApp(), 'Logs');
    new AccessLogBucket(stack, 'AccessLogs');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Status: 'Enabled',
            ExpirationInDays: 365,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
        ]),
      },
    });
    expect(ACCESS_LOG_EXPIRATION.toDays()).toBe(365);
  });

  test("the caller's lifecycle rules replace the default", () => {
    const stack = new Stack(testApp(), 'Logs');
    new AccessLogBucket(stack, 'AccessLogs', {
      lifecycleRules: [
        {
          id: 'Keep7Years',
          expiration: Duration.days(7 * 365),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))[0].Properties
      .LifecycleConfiguration.Rules;
    expect(rules).toEqual([
      expect.objectContaining({
        Id: 'Keep7Years',
        ExpirationInDays: 2555,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      }),
    ]);
  });
});
