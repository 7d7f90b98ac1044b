// Least privilege and CloudFormation limits over the synthesized templates of both profiles.
import { CfnStack } from 'aws-cdk-lib';
import { PROFILES } from '../../lib/core/profile';
import { ofType, synthesizeApp, typesAbsent } from './synthesized-app';

/** The resource types whose policy documents the check reads (inline on a role, or a policy of its own). */
const POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role'];

interface Statement {
  Effect: string;
  Action?: string | string[];
}

function statementsOf(resource: { Type: string; Properties?: Record<string, unknown> }): Statement[] {
  const p = resource.Properties ?? {};
  const docs: unknown[] = [];
  if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
    docs.push(p.PolicyDocument);
  if (resource.Type === 'AWS::IAM::Role') {
    for (const inline of (p.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
      docs.push(inline.PolicyDocument);
  }
  return docs.flatMap((d) => ((d as { Statement?: Statement[] })?.Statement ?? []) as Statement[]);
}

describe.each(PROFILES)('%s profile', (profile) => {
  const stacks = synthesizeApp(profile);

  test('each resource type the policy check reads occurs, and gives it Allow statements to read', () => {
    expect(typesAbsent(stacks, POLICY_TYPES)).toEqual([]);
    const allows = (type: string) =>
      stacks.flatMap((s) =>
        Object.values(s.template.Resources)
          .filter((r) => r.Type === type)
          .flatMap((r) => statementsOf(r).filter((st) => st.Effect === 'Allow' && st.Action !== undefined)),
      );
    expect(POLICY_TYPES.filter((t) => allows(t).length === 0)).toEqual([]);
  });

  test.each(stacks.map((s) => [s.stackId, s]))(
    '%s: no IAM policy allows every action of a service',
    (_, s) => {
      const wide: string[] = [];
      for (const [id, r] of Object.entries(s.template.Resources)) {
        for (const st of statementsOf(r)) {
          const actions = ([] as string[]).concat(st.Action ?? []);
          for (const a of actions)
            if (st.Effect === 'Allow' && (a === '*' || a.endsWith(':*'))) wide.push(`${id}: ${a}`);
        }
      }
      expect(wide).toEqual([]);
    },
  );

  test.each(stacks.map((s) => [s.stackId, s]))('%s: stays inside CloudFormation template limits', (_, s) => {
    const t = s.template as Record<string, Record<string, unknown> | undefined>;
    expect(Object.keys(t.Resources ?? {}).length).toBeLessThanOrEqual(500);
    expect(Object.keys(t.Outputs ?? {}).length).toBeLessThanOrEqual(200);
    expect(Object.keys(t.Parameters ?? {}).length).toBeLessThanOrEqual(200);
    expect(Object.keys(t.Mappings ?? {}).length).toBeLessThanOrEqual(200);
    // 1 MB is the limit for a template uploaded through S3, which is how the CDK deploys.
    expect(JSON.stringify(t).length).toBeLessThan(1_000_000);
    // Spelt by aws-cdk-lib: a misspelt type would make this absence check pass on anything.
    expect(ofType(s.template.Resources, CfnStack.CFN_RESOURCE_TYPE_NAME)).toEqual([]);
  });
});
