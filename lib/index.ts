// Public API: the constructs and the helpers a consumer needs to use them.
export * from './core/errors';
export * from './core/profile';
export * from './core/acknowledge';
export * from './core/encryption-key';
export * from './core/alarms';
export * from './core/secure-bucket';
export * from './core/cdk-managed-functions';
export * from './kinesis-pipeline/kinesis-pipeline';
export * from './kinesis-pipeline/shard-sizing';
export * from './kinesis-pipeline/query-layer';
export * from './sns-sqs-fanout/sns-sqs-fanout';
export * from './sns-sqs-fanout/replay';
export * from './core/network';
export * from './multi-az-database/multi-az-database';
export * from './three-tier-web-app/three-tier-web-app';
export * from './cognito-api/cognito-protected-api';
export * from './static-site/static-site';
export * from './static-site/viewer-request-code';
export * from './static-site/content-invalidation';
export * from './s3-events/s3-event-pipeline';
export * from './s3-events/replay';
export * from './s3-events/upload-url-route';
export * from './s3-events/upload-file-names';
export * from './core/web-acl';
export * from './queue-workers/queue-worker-fleet';
export * from './queue-workers/scaling';
export * from './cache-tier/cache-cluster';

// The demo stacks: each maps a profile (`sandbox` or `production`) to construct props, as `npx cdk synth`
// in this repository builds them. `new SnsSqsFanoutStack(app, 'Orders', { profile: 'sandbox' })` in your
// own app deploys the same pattern.
export * from './multi-az-database/multi-az-database-stack';
export * from './kinesis-pipeline/kinesis-pipeline-stack';
export * from './sns-sqs-fanout/sns-sqs-fanout-stack';
export * from './three-tier-web-app/three-tier-web-app-stack';
export * from './cognito-api/cognito-api-stack';
export * from './static-site/static-site-stack';
export * from './s3-events/s3-event-pipeline-stack';
export * from './queue-workers/queue-workers-stack';
