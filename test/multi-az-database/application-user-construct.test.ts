// DatabaseApplicationUser: the deploy-time function, its placement and grants, the user's secret and its
// rotation; and how the three-tier demo stack uses it (the instances read the app secret, never the master).
import { CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { ReferenceVpc } from '../../lib/core/network';
import {
  APPLICATION_USER_RESOURCE_TYPE,
  DatabaseApplicationUser,
} from '../../lib/multi-az-database/application-user';
import { DatabaseEngine, MultiAzDatabase } from '../../lib/multi-az-database/multi-az-database';
import { ThreeTierWebAppStack } from '../../lib/three-tier-web-app/three-tier-web-app-stack';
import { VISITS_TABLE_DDL } from '../../lib/three-tier-web-app/schema';
import { testApp } from '../support/app';
import { expectNagClean } from '../support/compliance';

const ref = (stack: Stack, c: IConstruct) => ({ Ref: stack.getLogicalId(c.node.defaultChild as CfnElement) });
const groupId = (stack: Stack, c: IConstruct) => ({
  'Fn::GetAtt': [stack.getLogicalId(c.node.defaultChild as CfnElement), 'GroupId'],
});

function build(
  props: Partial<ConstructorParameters<typeof DatabaseApplicationUser>[2]> = {},
  engine = DatabaseEngine.POSTGRESQL,
) {
  const stack = new Stack(testApp(), 'Db', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ReferenceVpc(stack, 'Network').vpc;
  const database = new MultiAzDatabase(stack, 'Database', { vpc, engine, backupPlan: false });
  const user = new DatabaseApplicationUser(database, 'AppUser', {
    database,
    username: 'shop',
    statements: ['CREATE TABLE IF NOT EXISTS orders (id BIGSERIAL PRIMARY KEY)'],
    ...props,
  });
  return { stack, database, user, template: Template.fromStack(stack) };
}

describe('DatabaseApplicationUser', () => {
  const built = build();
  const { stack, database, user, template } = built;

  test('a custom resource with both secrets, the user, the schema (default: the username) and the DDL', () => {
    template.hasResourceProperties(APPLICATION_USER_RESOURCE_TYPE, {
      ServiceToken: {
        'Fn::GetAtt': [stack.getLogicalId(user.function.node.defaultChild as CfnElement), 'Arn'],
      },
      MasterSecretArn: ref(stack, database.secret),
      UserSecretArn: ref(stack, user.secret),
      Username: 'shop',
      Schema: 'shop',
      Statements: ['CREATE TABLE IF NOT EXISTS orders (id BIGSERIAL PRIMARY KEY)'],
      DropOnDelete: 'false',
      // A replaced instance changes this, so the user is created again in the new database.
      DatabaseInstance: { Ref: stack.getLogicalId(database.instance.node.defaultChild as CfnElement) },
      // CloudFormation waits 5 minutes for an answer, not the default hour.
      ServiceTimeout: '300',
    });
  });

  test("the user's rotation starts only after the user exists (its first rotation logs in as the user)", () => {
    const [resourceId, resource] = Object.entries(template.findResources(APPLICATION_USER_RESOURCE_TYPE))[0];
    const schedules = Object.entries(template.findResources('AWS::SecretsManager::RotationSchedule')).filter(
      ([, r]) => JSON.stringify(r.Properties).includes(stack.resolve(user.secret.secretArn).Ref ?? '@'),
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0][1].DependsOn).toContain(resourceId);
    // ... and the user does not wait for any rotation schedule (that was a cycle of waits).
    const dependsOn = (resource.DependsOn as string[]) ?? [];
    expect(
      dependsOn.filter(
        (d) => template.toJSON().Resources[d].Type === 'AWS::SecretsManager::RotationSchedule',
      ),
    ).toEqual([]);
  });

  test('it runs after the database and the rules that let the function reach it', () => {
    const resource = Object.values(template.findResources(APPLICATION_USER_RESOURCE_TYPE))[0];
    const deps = resource.DependsOn as string[];
    expect(deps).toContain(stack.getLogicalId(database.instance.node.defaultChild as CfnElement));
    const ingress = Object.entries(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      ([, r]) =>
        JSON.stringify(r.Properties.SourceSecurityGroupId) ===
        JSON.stringify(groupId(stack, user.function.connections.securityGroups[0])),
    );
    expect(ingress).toHaveLength(1);
    expect(deps).toContain(ingress[0][0]);
  });

  test('the function runs in the private subnets with egress, with a group the database admits on 5432', () => {
    const fn = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('Creates the shop user') },
    });
    const props = Object.values(fn)[0].Properties as {
      VpcConfig: { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      Environment: { Variables: Record<string, string> };
      Runtime: string;
    };
    const privateSubnets = database.instance.vpc
      .selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
      .subnets.map((s) => ref(stack, s));
    expect(props.VpcConfig.SubnetIds).toEqual(privateSubnets);
    const sg = user.function.connections.securityGroups[0];
    expect(props.VpcConfig.SecurityGroupIds).toEqual([groupId(stack, sg)]);
    expect(props.Runtime).toBe('nodejs24.x');
    // TLS to RDS: the runtime's CA bundle that includes the RDS certificate authorities.
    expect(props.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: groupId(stack, database.connections.securityGroups[0]),
      SourceSecurityGroupId: groupId(stack, sg),
      FromPort: 5432,
      ToPort: 5432,
    });
    // Out: the database and HTTPS only.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Creates the shop user'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
    });
  });

  test('the function reads the two secrets, decrypts through Secrets Manager, manages its interfaces and logs, nothing else', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
      JSON.stringify(p.Properties.Roles ?? []).includes(
        stack.getLogicalId(user.node.findChild('FunctionRole').node.defaultChild as CfnElement),
      ),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0].Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: expect.arrayContaining([ref(stack, database.secret), ref(stack, user.secret)]),
      }),
      expect.objectContaining({
        Action: expect.arrayContaining(['ec2:CreateNetworkInterface']),
        Resource: '*',
      }),
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::GetAtt': [
            stack.getLogicalId(user.node.findChild('FunctionLogs').node.defaultChild as CfnElement),
            'Arn',
          ],
        },
      }),
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      }),
    ]);
    expect(template.findResources('AWS::IAM::Policy')).toEqual({});
  });

  test('the user secret carries the master secret ARN and rotates with alternating users every 30 days', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"username":"shop","masterarn":"')])],
        },
      }),
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: ref(stack, user.secret),
      HostedRotationLambda: Match.objectLike({
        RotationType: 'PostgreSQLMultiUser',
        MasterSecretArn: ref(stack, database.secret),
      }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  test('RETAIN by default: the role and the secret stay; DESTROY drops the role and deletes the secret', () => {
    const userSecret = (t: Template) =>
      Object.values(t.findResources('AWS::SecretsManager::Secret')).find((s) =>
        JSON.stringify(s).includes('\\"username\\":\\"shop\\"'),
      );
    expect(userSecret(template)).toMatchObject({ DeletionPolicy: 'Retain' });
    const destroy = build({ removalPolicy: RemovalPolicy.DESTROY });
    expect(userSecret(destroy.template)).toMatchObject({ DeletionPolicy: 'Delete' });
    destroy.template.hasResourceProperties(APPLICATION_USER_RESOURCE_TYPE, { DropOnDelete: 'true' });
  });

  test('passes every compliance pack', () => {
    expectNagClean(stack);
  });

  test.each([
    [
      { username: 'Shop' },
      /DatabaseApplicationUser: invalid username: must be a lowercase PostgreSQL identifier.*received 'Shop'/,
    ],
    [{ username: 'a'.repeat(57) }, /invalid username: .*at most 56 characters/],
    [{ schema: 'my-schema' }, /invalid schema: .*received 'my-schema'/],
    [{ rotationInterval: Duration.hours(1) }, /rotationInterval/],
  ])('rejects %p', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('rejects a MySQL database', () => {
    expect(() => build({}, DatabaseEngine.MYSQL)).toThrow(
      /invalid database: must be a PostgreSQL database; received mysql/,
    );
  });
});

describe('the three-tier demo stack', () => {
  const stack = new ThreeTierWebAppStack(testApp(), 'RefArch-ThreeTierWebApp', { profile: 'sandbox' });
  const app = stack.app;
  const template = Template.fromStack(stack);

  test('creates the webapp user, schema and visits table at deploy time; drops the role in the sandbox', () => {
    template.hasResourceProperties(APPLICATION_USER_RESOURCE_TYPE, {
      Username: 'webapp',
      Schema: 'webapp',
      Statements: [VISITS_TABLE_DDL],
      DropOnDelete: 'true',
    });
  });

  test('no policy of the instance role names the master secret', () => {
    const roleId = stack.getLogicalId(app.instanceRole.node.defaultChild as CfnElement);
    const master = JSON.stringify(ref(stack, app.database.secret));
    const policies = Object.values({
      ...template.findResources('AWS::IAM::ManagedPolicy'),
      ...template.findResources('AWS::IAM::Policy'),
    }).filter((p) => JSON.stringify(p.Properties.Roles ?? []).includes(roleId));
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) expect(JSON.stringify(p)).not.toContain(master);
    expect(JSON.stringify(policies)).toContain(JSON.stringify(ref(stack, app.databaseUser.secret)));
  });

  test('the instances get the app secret and schema, and boot only after the user exists', () => {
    const lt = JSON.stringify(Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0]);
    expect(lt).toContain('DB_SCHEMA=webapp');
    expect(lt).toContain(JSON.stringify(ref(stack, app.databaseUser.secret)));
    expect(lt).not.toContain(JSON.stringify(ref(stack, app.database.secret)));
    const asg = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(asg.DependsOn).toContain(
      stack.getLogicalId(app.databaseUser.resource.node.defaultChild as CfnElement),
    );
  });
});
