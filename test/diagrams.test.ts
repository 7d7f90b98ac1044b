import * as fs from 'fs';
import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PATTERN_STACKS } from '../lib/stacks/reference-app';
import {
  buildDiagram,
  describeStack,
  DIAGRAM_END,
  DIAGRAM_START,
  diagramBlockOf,
  findReferences,
  NODE_TYPES,
  patternDiagrams,
  readmeFile,
  readmeWithDiagram,
  renderMermaid,
  StackDescription,
} from '../scripts/diagrams';
import { testApp } from './support/app';

describe('pattern READMEs show the diagram of the app as it is', () => {
  // One synth of the sandbox stacks for the whole file.
  const diagrams = patternDiagrams((context) => testApp(context));

  test.each(PATTERN_STACKS.map((e) => e.folder))(
    'lib/%s/README.md diagram matches the synthesized stack (if not: run `npm run diagrams`)',
    (folder) => {
      const readme = fs.readFileSync(readmeFile(folder), 'utf8');
      const block = diagramBlockOf(readme);
      if (block === undefined) {
        throw new Error(`lib/${folder}/README.md has no ${DIAGRAM_START} block: run \`npm run diagrams\``);
      }
      expect(block).toBe(diagrams.find((d) => d.folder === folder)!.block);
    },
  );

  test.each(PATTERN_STACKS.map((e) => e.folder))('lib/%s/README.md starts with its diagram', (folder) => {
    const lines = fs.readFileSync(readmeFile(folder), 'utf8').split('\n');
    const heading = lines.findIndex((l) => l.startsWith('# '));
    expect(heading).toBeGreaterThanOrEqual(0);
    expect(lines.slice(heading + 1).find((l) => l.trim() !== '')).toBe(DIAGRAM_START);
  });

  test('every box is a resource type the generator knows, and each diagram stays readable', () => {
    for (const d of diagrams) {
      // A new resource type lands in the diagram as a box labelled with its raw type; this asks the
      // author to decide: a box (NODE_TYPES), part of a box (FOLDED), or plumbing (PLUMBING).
      const unknown = d.diagram.nodes.filter(
        (n) => !NODE_TYPES[n.type] && !['Alarms', 'Internet'].includes(n.type),
      );
      expect({ stack: d.stackId, unknown: unknown.map((n) => n.type) }).toEqual({
        stack: d.stackId,
        unknown: [],
      });
      expect(d.diagram.nodes.length).toBeLessThanOrEqual(25);
      expect(d.diagram.edges.length).toBeGreaterThan(0);
      for (const e of d.diagram.edges) {
        const ids = new Set([...d.diagram.nodes.map((n) => n.id), ...d.diagram.containers.map((c) => c.id)]);
        expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
      }
    }
  });
});

describe('arrows come from references in the template', () => {
  function queues(withDeadLetterQueue: boolean): StackDescription {
    const stack = new Stack(testApp(), 'Demo');
    const deadLetters = new sqs.Queue(stack, 'DeadLetters');
    new sqs.Queue(stack, 'Orders', {
      deadLetterQueue: withDeadLetterQueue ? { queue: deadLetters, maxReceiveCount: 3 } : undefined,
    });
    return describeStack(stack);
  }

  test('a queue with a dead-letter queue has a dotted arrow to it', () => {
    const mermaid = renderMermaid(buildDiagram(queues(true)));
    expect(mermaid).toBe(
      [
        'flowchart LR',
        '  DeadLetters[["Dead letters (SQS queue)"]]',
        '  Orders[["Orders (SQS queue)"]]',
        '  Orders -.->|"after 3 receives"| DeadLetters',
      ].join('\n'),
    );
  });

  test('the same queues without the redrive policy have no arrow', () => {
    const d = buildDiagram(queues(false));
    expect(d.nodes.map((n) => n.id)).toEqual(['DeadLetters', 'Orders']);
    expect(d.edges).toEqual([]);
  });

  test('deleting the reference from the template deletes the arrow', () => {
    const before = queues(true);
    const orders = Object.keys(before.resources).find((id) => before.paths[id] === 'Orders/Resource')!;
    const props = { ...before.resources[orders].Properties };
    delete props.RedrivePolicy;
    const after = {
      ...before,
      resources: { ...before.resources, [orders]: { Type: 'AWS::SQS::Queue', Properties: props } },
    };
    expect(buildDiagram(before).edges).toHaveLength(1);
    expect(buildDiagram(after).edges).toEqual([]);
  });

  test('subscriptions and event source mappings become arrows; IAM and queue policies are only counted', () => {
    const stack = new Stack(testApp(), 'FanOut');
    const topic = new sns.Topic(stack, 'Events');
    const queue = new sqs.Queue(stack, 'Work', { visibilityTimeout: Duration.seconds(30) });
    topic.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }));
    const fn = new lambda.Function(stack, 'Worker', {
      runtime: lambda.Runtime.NODEJS_LATEST,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    fn.addEventSource(new SqsEventSource(queue, { batchSize: 5 }));
    const d = buildDiagram(describeStack(stack));
    expect(d.nodes.map((n) => `${n.id} ${n.type}`)).toEqual([
      'Events AWS::SNS::Topic',
      'Work AWS::SQS::Queue',
      'Worker AWS::Lambda::Function',
    ]);
    expect(d.edges.map((e) => `${e.from} -> ${e.to}: ${e.label}`)).toEqual([
      'Events -> Work: all messages, raw delivery',
      'Work -> Worker: batches of 5',
    ]);
    expect(Object.fromEntries(d.notDrawn)).toEqual({
      'IAM roles and policies': 2,
      'log groups and log settings': 1, // the function's log group (flag useCdkManagedLogGroup)
      'resource policies': 1,
    });
  });

  test('security group rules become port arrows between the resources in the groups', () => {
    const sg = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
    const d = buildDiagram({
      resources: {
        AppSg: { Type: 'AWS::EC2::SecurityGroup', Properties: {} },
        DbSg: { Type: 'AWS::EC2::SecurityGroup', Properties: {} },
        AppToDb: {
          Type: 'AWS::EC2::SecurityGroupIngress',
          Properties: {
            GroupId: sg('DbSg'),
            SourceSecurityGroupId: sg('AppSg'),
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
          },
        },
        App: { Type: 'AWS::EC2::Instance', Properties: { SecurityGroupIds: [sg('AppSg')] } },
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { VPCSecurityGroups: [sg('DbSg')], Engine: 'postgres' },
        },
      },
      paths: { App: 'App/Resource', Db: 'Db/Resource' },
    });
    expect(d.edges).toEqual([{ from: 'App', to: 'Db', label: 'TCP 5432', dotted: false }]);
    expect(Object.fromEntries(d.notDrawn)).toEqual({
      'security groups — their rules are the port arrows': 2,
    });
  });

  test('a CloudFront distribution: viewers, origin, function, web ACL and log delivery become arrows', () => {
    const d = buildDiagram({
      resources: {
        Origin: { Type: 'AWS::S3::Bucket' },
        Logs: { Type: 'AWS::S3::Bucket' },
        Oac: { Type: 'AWS::CloudFront::OriginAccessControl', Properties: {} },
        Cache: { Type: 'AWS::CloudFront::CachePolicy', Properties: {} },
        Rewrite: {
          Type: 'AWS::CloudFront::Function',
          Properties: { FunctionConfig: { Runtime: 'cloudfront-js-2.0' } },
        },
        Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{ Name: 'a' }, { Name: 'b' }] } },
        Site: {
          Type: 'AWS::CloudFront::Distribution',
          Properties: {
            DistributionConfig: {
              PriceClass: 'PriceClass_100',
              HttpVersion: 'http2and3',
              Origins: [
                {
                  DomainName: { 'Fn::GetAtt': ['Origin', 'RegionalDomainName'] },
                  OriginAccessControlId: { 'Fn::GetAtt': ['Oac', 'Id'] },
                },
              ],
              DefaultCacheBehavior: {
                CachePolicyId: { Ref: 'Cache' },
                ViewerProtocolPolicy: 'redirect-to-https',
                FunctionAssociations: [
                  { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['Rewrite', 'FunctionARN'] } },
                ],
              },
              WebACLId: { 'Fn::GetAtt': ['Acl', 'Arn'] },
            },
          },
        },
        Metrics: {
          Type: 'AWS::CloudFront::MonitoringSubscription',
          Properties: { DistributionId: { Ref: 'Site' } },
        },
        Source: {
          Type: 'AWS::Logs::DeliverySource',
          Properties: {
            Name: 'site-src',
            LogType: 'ACCESS_LOGS',
            ResourceArn: { 'Fn::Join': ['', ['arn:aws:cloudfront::1:distribution/', { Ref: 'Site' }]] },
          },
        },
        Destination: {
          Type: 'AWS::Logs::DeliveryDestination',
          Properties: { DestinationResourceArn: { 'Fn::GetAtt': ['Logs', 'Arn'] } },
        },
        Delivery: {
          Type: 'AWS::Logs::Delivery',
          Properties: {
            DeliverySourceName: 'site-src',
            DeliveryDestinationArn: { 'Fn::GetAtt': ['Destination', 'Arn'] },
          },
        },
        Layer: { Type: 'AWS::Lambda::LayerVersion', Properties: {} },
      },
      paths: {},
    });
    expect(d.nodes.map((n) => `${n.id} ${n.type} ${n.shape}: ${n.label}`)).toEqual([
      'internet Internet external: Internet',
      'Acl AWS::WAFv2::WebACL box: ACL (WAF web ACL)<br/>2 rules',
      'Logs AWS::S3::Bucket store: Logs (S3 bucket)',
      'Origin AWS::S3::Bucket store: Origin (S3 bucket)',
      'Rewrite AWS::CloudFront::Function round: Rewrite (CloudFront function)<br/>cloudfront-js-2.0',
      'Site AWS::CloudFront::Distribution box: Site (CloudFront distribution)<br/>PriceClass_100, http2and3, origin access control, additional metrics',
    ]);
    expect(d.edges.map((e) => `${e.from} -> ${e.to}: ${e.label}${e.dotted ? ' (dotted)' : ''}`)).toEqual([
      'internet -> Site: HTTPS (HTTP redirected)',
      'Acl -> Site: filters requests to',
      'Site -> Logs: access logs (dotted)',
      'Site -> Origin: reads (signed, SigV4)',
      'Site -> Rewrite: viewer-request',
    ]);
    expect(Object.fromEntries(d.notDrawn)).toEqual({
      'CDK custom resources and their handler functions': 1,
      'log groups and log settings': 2,
    });
  });

  test('references are read from Ref, Fn::GetAtt and Fn::Sub, with their property path', () => {
    const ids = new Set(['Queue', 'Bucket', 'Fn']);
    expect(
      findReferences(
        {
          A: { Ref: 'Queue' },
          B: [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }],
          C: { 'Fn::Join': ['', [{ 'Fn::Sub': 'arn:${AWS::Partition}:x:${Fn.Arn}' }]] },
          D: { Ref: 'AWS::Region' },
          Tags: [{ Key: 'k', Value: { Ref: 'Queue' } }],
        },
        ids,
      ),
    ).toEqual([
      { target: 'Bucket', path: 'B' },
      { target: 'Fn', path: 'C' },
      { target: 'Queue', path: 'A' },
    ]);
  });
});

describe('README diagram markers', () => {
  test('a README without markers gets the block right after its first heading', () => {
    const out = readmeWithDiagram('# Title\n\nIntro.\n', `${DIAGRAM_START}\nX\n${DIAGRAM_END}`);
    expect(out).toBe(`# Title\n\n${DIAGRAM_START}\nX\n${DIAGRAM_END}\n\nIntro.\n`);
    expect(readmeWithDiagram(out, `${DIAGRAM_START}\nY\n${DIAGRAM_END}`)).toBe(
      `# Title\n\n${DIAGRAM_START}\nY\n${DIAGRAM_END}\n\nIntro.\n`,
    );
  });

  test('one marker without the other is an error, not a second block', () => {
    expect(() => readmeWithDiagram(`# T\n${DIAGRAM_START}\n`, 'x')).toThrow('must both be present');
  });
});
