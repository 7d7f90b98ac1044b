// Buckets that AWS services deliver into must accept the delivery, which no gate checks:
// - "S3 buckets with Object Lock can't be used as destination buckets for server access logs" (S3 User
//   Guide, Object Lock considerations): every bucket named as a LoggingConfiguration destination or as an
//   ALB's access_logs.s3.bucket has no Object Lock (an earlier AccessLogBucket had it, so no access log
//   was ever delivered);
// - a bucket default retention makes S3 require a Content-MD5 or checksum header on every upload (S3 API
//   reference, PutObject), which AWS does not document Firehose, S3 logging or ELB to send: no bucket a
//   service writes into has one.
import { PROFILES } from '../../lib/core/profile';
import { ofType, refersTo, Resources, synthesizeApp } from './synthesized-app';

type Properties = Record<string, unknown>;
const props = (r: Resources, id: string): Properties => (r[id].Properties ?? {}) as Properties;

/** The buckets of a template that S3 server access logging or an ALB writes logs into. */
function logDestinations(r: Resources): string[] {
  const buckets = ofType(r, 'AWS::S3::Bucket');
  const named: unknown[] = [];
  for (const id of buckets) {
    named.push((props(r, id).LoggingConfiguration as Properties | undefined)?.DestinationBucketName);
  }
  for (const id of ofType(r, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attributes = (props(r, id).LoadBalancerAttributes ?? []) as { Key: string; Value: unknown }[];
    named.push(attributes.find((a) => a.Key === 'access_logs.s3.bucket')?.Value);
  }
  return buckets.filter((b) => named.some((n) => n !== undefined && refersTo(n, b)));
}

/** The buckets of a template a delivery stream writes into. */
function firehoseDestinations(r: Resources): string[] {
  return ofType(r, 'AWS::S3::Bucket').filter((b) =>
    ofType(r, 'AWS::KinesisFirehose::DeliveryStream').some((f) =>
      refersTo((props(r, f).ExtendedS3DestinationConfiguration as Properties | undefined)?.BucketARN, b),
    ),
  );
}

describe.each(PROFILES)('%s profile', (profile) => {
  const stacks = synthesizeApp(profile);

  test('every log destination bucket has no Object Lock, so S3 and ELB can deliver into it', () => {
    const found: string[] = [];
    for (const { stackId, template } of stacks) {
      for (const id of logDestinations(template.Resources)) {
        found.push(`${stackId}/${id}`);
        const p = props(template.Resources, id);
        expect([stackId, id, p.ObjectLockEnabled === true, p.ObjectLockConfiguration]).toEqual([
          stackId,
          id,
          false,
          undefined,
        ]);
      }
    }
    // The check must have something to check: the access-log buckets of the Kinesis and three-tier stacks.
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.some((f) => f.startsWith('RefArch-ThreeTierWebApp/'))).toBe(true);
    expect(found.some((f) => f.startsWith('RefArch-KinesisPipeline/'))).toBe(true);
  });

  test('no bucket a service writes into has an Object Lock default retention', () => {
    const found: string[] = [];
    for (const { stackId, template } of stacks) {
      const r = template.Resources;
      for (const id of [...logDestinations(r), ...firehoseDestinations(r)]) {
        found.push(`${stackId}/${id}`);
        const lock = props(r, id).ObjectLockConfiguration as Properties | undefined;
        expect([stackId, id, lock?.Rule]).toEqual([stackId, id, undefined]);
      }
    }
    expect(found.some((f) => f.startsWith('RefArch-KinesisPipeline/ClickstreamBucket7386E5BC'))).toBe(true);
  });
});
