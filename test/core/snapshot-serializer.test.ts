import { maskTemplate } from '../support/snapshot-serializer';

describe('snapshot serializer', () => {
  const hash = 'a'.repeat(64);
  const template = {
    Mappings: { LatestNodeRuntimeMap: { 'us-east-1': { value: 'nodejs24.x' } }, Other: { a: { b: 'c' } } },
    Resources: { Fn: { Properties: { Code: { S3Key: `${hash}.zip` } } } },
  };

  test('masks asset hashes and the LatestNodeRuntimeMap, and nothing else', () => {
    const masked = maskTemplate(template);
    expect(masked).toEqual({
      Mappings: { LatestNodeRuntimeMap: '[LatestNodeRuntimeMap]', Other: { a: { b: 'c' } } },
      Resources: { Fn: { Properties: { Code: { S3Key: '[ASSET HASH].zip' } } } },
    });
  });

  test('is applied by jest to templates', () => {
    expect(template).toMatchInlineSnapshot(`
{
  "Mappings": {
    "LatestNodeRuntimeMap": "[LatestNodeRuntimeMap]",
    "Other": {
      "a": {
        "b": "c",
      },
    },
  },
  "Resources": {
    "Fn": {
      "Properties": {
        "Code": {
          "S3Key": "[ASSET HASH].zip",
        },
      },
    },
  },
}
`);
  });
});
