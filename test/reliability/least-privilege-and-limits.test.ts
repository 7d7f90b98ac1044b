// Least privilege and CloudFormation limits over the synthesized templates of both profiles.
import { PROFILES } from '../../lib/core/profile';
import { ofType, synthesizeApp } from './synthesized-app';

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
    expect(ofType(s.template.Resources, 'AWS::CloudFormation::Stack')).toEqual([]);
  });
});
