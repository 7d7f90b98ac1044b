import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CustomResource, CustomResourceProvider, CustomResourceProviderRuntime } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct, IDependable } from 'constructs';
import { bundledNodejsDirectory } from '../core/bundled-code';
import { runtimeEntry } from '../core/runtime-entry';
import { EVERY_PATH, Manifest } from './runtime/manifest';

/** The custom resource type; one provider function per stack serves every site of the stack. */
export const INVALIDATION_RESOURCE_TYPE = 'Custom::StaticSiteInvalidation';

/**
 * A site with more files than this, or whose manifest is larger than {@link MAX_MANIFEST_BYTES}, is not
 * listed file by file: its manifest is one hash for everything, and a change invalidates `/*` (one billed
 * path). Keeps the template small (CloudFormation's limit is 1 MB) and the handler's event, which carries
 * the old and the new manifest, well under Lambda's 256 KB for an asynchronous invocation.
 */
export const MAX_MANIFEST_FILES = 1000;

/** The largest manifest, as JSON, listed file by file (see {@link MAX_MANIFEST_FILES}). */
export const MAX_MANIFEST_BYTES = 64 * 1024;

/**
 * The site's manifest: each file of `contentPath` as its site path (`/docs/index.html`) and a content
 * hash, computed at synth. The custom resource carries it; CloudFormation hands the handler the old and
 * the new one on every update.
 */
export function siteManifest(contentPath: string): Manifest {
  const files = listFiles(contentPath).sort();
  const hashOf = (file: string) =>
    crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(contentPath, file)))
      .digest('hex')
      .slice(0, 20);
  const listed: Manifest = Object.fromEntries(
    files.map((f) => [`/${f.split(path.sep).join('/')}`, hashOf(f)]),
  );
  if (files.length > MAX_MANIFEST_FILES || JSON.stringify(listed).length > MAX_MANIFEST_BYTES) {
    const all = crypto.createHash('sha256');
    for (const [p, h] of Object.entries(listed)) all.update(`${p}\0${h}\0`);
    return { [EVERY_PATH]: all.digest('hex').slice(0, 20) };
  }
  return listed;
}

function listFiles(root: string, dir = ''): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(root, relative);
    return entry.isFile() ? [relative] : [];
  });
}

/** Props of {@link ContentInvalidation}. */
export interface ContentInvalidationProps {
  /** The distribution whose cached copies the deployment makes stale. */
  readonly distribution: cloudfront.IDistribution;
  /** The folder deployed to the origin. */
  readonly contentPath: string;
  /** What must finish first: the content deployment. */
  readonly after: IDependable;
}

/**
 * After each content deployment, invalidates exactly the paths whose files changed or were removed
 * (see runtime/invalidate-changed.ts). Its function is aws-cdk-lib's CustomResourceProvider, which the
 * stack's `adoptCdkManagedFunctions` gives a log group and whose findings it acknowledges.
 */
export class ContentInvalidation extends Construct {
  /** The manifest the resource carries. */
  public readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: ContentInvalidationProps) {
    super(scope, id);
    this.manifest = siteManifest(props.contentPath);
    const runtime = CustomResourceProviderRuntime.NODEJS_24_X;
    const provider = CustomResourceProvider.getOrCreateProvider(this, INVALIDATION_RESOURCE_TYPE, {
      codeDirectory: bundledNodejsDirectory(runtimeEntry(__dirname, 'invalidate-changed'), runtime),
      runtime,
      description: 'Invalidates the CloudFront paths whose files a static-site deployment changed',
    });
    provider.addToRolePolicy({
      Effect: 'Allow',
      Action: ['cloudfront:CreateInvalidation'],
      Resource: props.distribution.distributionArn,
    });
    const resource = new CustomResource(this, 'Resource', {
      resourceType: INVALIDATION_RESOURCE_TYPE,
      serviceToken: provider.serviceToken,
      properties: { DistributionId: props.distribution.distributionId, Manifest: this.manifest },
    });
    resource.node.addDependency(props.after);
  }
}
