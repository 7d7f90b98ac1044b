import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';

/*
 * Invalidates, after a content deployment, exactly the site paths whose files changed or were removed.
 *
 * A CloudFormation custom resource (Custom::StaticSiteInvalidation) carries the site's manifest, one
 * content hash per file, computed at synth. CloudFormation calls this handler with the new manifest and,
 * on an update, the previous one (OldResourceProperties): the difference is what viewers may have cached
 * in an old version. Written here rather than taken from BucketDeployment's `distributionPaths`, which
 * is a fixed list: it invalidates the same paths at every deployment, changed or not (003 L371: each
 * invalidated path is billed beyond the first 1,000 a month).
 *
 * Run by aws-cdk-lib's CustomResourceProvider entry point, which sends the response to CloudFormation:
 * the handler returns the physical id and data, or throws.
 */

import { EVERY_PATH, Manifest } from './manifest';

export { EVERY_PATH };
export type { Manifest };

/** The properties of Custom::StaticSiteInvalidation. */
export interface InvalidationProperties {
  readonly DistributionId: string;
  readonly Manifest: Manifest;
}

/** The custom-resource event, as far as this handler reads it. */
export interface InvalidationEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: InvalidationProperties;
  readonly OldResourceProperties?: InvalidationProperties;
}

/**
 * Above this many changed paths one wildcard (`/*`, billed as one path) is cheaper than the list, and
 * well under CloudFront's limit of 3,000 paths per invalidation.
 */
export const MAX_LISTED_PATHS = 100;

/** Paths whose cached copy may be stale: files changed or removed between `before` and `after`. */
export function changedPaths(before: Manifest, after: Manifest): string[] {
  if (EVERY_PATH in before || EVERY_PATH in after) {
    return before[EVERY_PATH] === after[EVERY_PATH] && sameKeys(before, after) ? [] : [EVERY_PATH];
  }
  // A file added since the last deployment had no cached copy, only a cached error page, which the
  // distribution keeps for 10 seconds (ErrorCachingMinTTL): nothing to invalidate.
  const changed = Object.keys(before).filter((p) => before[p] !== after[p]);
  // A folder's index page is also requested as the folder (/docs/, /docs, and / for the root): the
  // viewer-request function rewrites those URIs, and CloudFront's guide asks to invalidate both the URI
  // the viewer sent and the rewritten one.
  const viewerUris = changed.flatMap((p) => {
    if (!p.endsWith('/index.html')) return [];
    const folder = p.slice(0, -'index.html'.length);
    return folder === '/' ? ['/'] : [folder, folder.slice(0, -1)];
  });
  return [...new Set([...changed, ...viewerUris])].sort();
}

function sameKeys(a: Manifest, b: Manifest): boolean {
  return Object.keys(a).sort().join('\n') === Object.keys(b).sort().join('\n');
}

/**
 * The paths to send, or one wildcard when there are more than {@link MAX_LISTED_PATHS}. Each is encoded
 * as a browser sends it (`encodeURI`: a space is `%20`, `é` is `%C3%A9`, reserved characters such as `@`
 * or `+` stay), and so are the three characters that would change its meaning in an invalidation or a
 * URL: `*` (a wildcard), `?` (a query string), `#` (a fragment).
 */
export function invalidationPaths(changed: string[]): string[] {
  if (changed.length > MAX_LISTED_PATHS || changed.includes(EVERY_PATH)) return [EVERY_PATH];
  return changed.map((p) =>
    encodeURI(p).replace(/[*?#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
}

/** What the handler needs from the SDK client: one call, so a test can hand in a recorder. */
export interface InvalidationClient {
  send(command: CreateInvalidationCommand): Promise<unknown>;
}

/** Builds the handler around a client (the real one in Lambda, a recorder in tests). */
export function makeHandler(client: () => InvalidationClient) {
  return async (
    event: InvalidationEvent,
  ): Promise<{ PhysicalResourceId: string; Data: { Paths: number } }> => {
    const distributionId = event.ResourceProperties.DistributionId;
    const physical = { PhysicalResourceId: distributionId };
    // Create: a new distribution has nothing cached. Delete: nothing to undo.
    if (event.RequestType !== 'Update' || !event.OldResourceProperties)
      return { ...physical, Data: { Paths: 0 } };
    // Another distribution (replaced): its cache is new, nothing to invalidate.
    if (event.OldResourceProperties.DistributionId !== distributionId)
      return { ...physical, Data: { Paths: 0 } };
    const paths = invalidationPaths(
      changedPaths(event.OldResourceProperties.Manifest ?? {}, event.ResourceProperties.Manifest ?? {}),
    );
    if (paths.length > 0) {
      await client().send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: {
            // The request id: CloudFormation's retry of the same update creates no second invalidation.
            CallerReference: event.RequestId,
            Paths: { Quantity: paths.length, Items: paths },
          },
        }),
      );
    }
    console.log(JSON.stringify({ message: 'invalidated', distributionId, paths }));
    return { ...physical, Data: { Paths: paths.length } };
  };
}

export const handler = makeHandler(() => new CloudFrontClient({}));
