/**
 * Jest snapshot serializer for CloudFormation templates (`Template.fromStack(s).toJSON()`).
 *
 * Masks what changes across machines and library bumps without changing the architecture:
 * - asset hashes (64 hex characters) in S3 keys and asset parameters;
 * - the `LatestNodeRuntimeMap` mapping aws-cdk-lib writes for its own functions, which lists every
 *   region's newest Node runtime and changes with every aws-cdk-lib release.
 */
const MASKED = Symbol.for('refarch.snapshot.masked');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isTemplate(val: unknown): val is { [key: string]: Json } {
  return (
    typeof val === 'object' &&
    val !== null &&
    !Array.isArray(val) &&
    'Resources' in val &&
    !(val as Record<symbol, unknown>)[MASKED]
  );
}

export function maskTemplate(template: { [key: string]: Json }): { [key: string]: Json } {
  const masked = JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '[ASSET HASH]'));
  const mappings = masked.Mappings as Record<string, Json> | undefined;
  for (const name of Object.keys(mappings ?? {})) {
    if (name.startsWith('LatestNodeRuntimeMap')) mappings![name] = '[LatestNodeRuntimeMap]';
  }
  Object.defineProperty(masked, MASKED, { value: true, enumerable: false });
  return masked;
}

export const test = isTemplate;

export function serialize(
  val: { [key: string]: Json },
  config: unknown,
  indentation: string,
  depth: number,
  refs: unknown,
  printer: (v: unknown, c: unknown, i: string, d: number, r: unknown) => string,
): string {
  return printer(maskTemplate(val), config, indentation, depth, refs);
}
