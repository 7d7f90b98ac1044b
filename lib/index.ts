// Public API: the constructs and the helpers a consumer needs to use them.
export * from './core/errors';
export * from './core/profile';
export * from './core/acknowledge';
export * from './core/encryption-key';
export * from './core/alarms';
export * from './core/secure-bucket';
export * from './core/cdk-managed-functions';
