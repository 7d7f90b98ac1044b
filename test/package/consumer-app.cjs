// A CDK app as another project writes it: plain CommonJS run by node (no TypeScript, no tsx), with
// aws-reference-architectures-cdk installed from its npm tarball. test/package/packed-install.test.ts
// copies it into a fresh directory and runs `node app.cjs <outdir>`; bundling is on (the default), so
// the Lambda handler is bundled by esbuild from the installed package.
/* eslint-disable @typescript-eslint/no-require-imports */
const { App, RemovalPolicy, Stack } = require('aws-cdk-lib');
const refarch = require('aws-reference-architectures-cdk');

const app = new App({ outdir: process.argv[2] });

// A pattern with a Lambda function: the fan-out, its Billing queue consumed by the packaged demo handler.
const orders = new Stack(app, 'Orders');
new refarch.SnsSqsFanout(orders, 'OrderEvents', {
  removalPolicy: RemovalPolicy.DESTROY,
  subscribers: [{ name: 'Billing', consumer: { entry: refarch.DEMO_CONSUMER_ENTRY } }, { name: 'Analytics' }],
});

// A pattern without one: the Multi-AZ database in the shared VPC.
const data = new Stack(app, 'Data');
const network = new refarch.ReferenceVpc(data, 'Network', { natGateways: 0, publicSubnets: false });
new refarch.MultiAzDatabase(data, 'Database', { vpc: network.vpc, removalPolicy: RemovalPolicy.DESTROY });

// A pattern with shipped files and a custom-resource handler: the static site, publishing the sample site
// from the installed package and bundling its invalidation handler from the compiled .js.
const web = new Stack(app, 'Web', { env: { region: 'us-east-1' } });
new refarch.StaticSite(web, 'Site', {
  contentPath: refarch.SAMPLE_SITE_PATH,
  removalPolicy: RemovalPolicy.DESTROY,
});

// A pattern whose handler imports runtime dependencies of the package (Powertools, csv-parse): the S3
// event pipeline, its processor bundled from the installed package's compiled .js.
const uploads = new Stack(app, 'Uploads');
const pipeline = new refarch.S3EventPipeline(uploads, 'Pipeline', { removalPolicy: RemovalPolicy.DESTROY });
// Its browser upload route, on the Cognito pattern's API: a second handler of the same runtime folder.
const api = new refarch.CognitoProtectedApi(uploads, 'Api', {
  domainPrefix: 'consumer-uploads',
  callbackUrls: ['http://localhost:3000/callback'],
});
new refarch.UploadUrlRoute(uploads, 'UploadRoute', { pipeline, api: api.api, authorizer: api.authorizer });

// A pattern whose program runs on EC2, where no runtime provides the AWS SDK: the worker fleet, its worker
// bundled from the installed package's compiled .js with sqs-consumer and the SDK clients (dependencies).
const workers = new Stack(app, 'Workers');
const workerNetwork = new refarch.ReferenceVpc(workers, 'Network', { natGateways: 1 });
new refarch.QueueWorkerFleet(workers, 'Fleet', {
  vpc: workerNetwork.vpc,
  removalPolicy: RemovalPolicy.DESTROY,
});

// A pattern whose app runs on EC2 with drivers from the package's dependencies (pg, ioredis): the three-tier
// web app with its cache tier, the app bundled from the installed package's compiled .js.
const webApp = new Stack(app, 'WebApp');
new refarch.ThreeTierWebApp(webApp, 'App', {
  deletionProtection: false,
  removalPolicy: RemovalPolicy.DESTROY,
  databaseRemovalPolicy: RemovalPolicy.DESTROY,
  cache: { removalPolicy: RemovalPolicy.DESTROY },
});

app.synth();
console.log(
  JSON.stringify({
    demoConsumerEntry: refarch.DEMO_CONSUMER_ENTRY,
    sampleSitePath: refarch.SAMPLE_SITE_PATH,
  }),
);
