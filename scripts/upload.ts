// Uploads a CSV file to the S3 event pipeline's upload bucket through a pre-signed URL.
//   npm run upload -- orders.csv [--stack RefArch-S3EventPipeline] [--expires 3600] [--key orders.csv]
// With your credentials it reads the stack outputs (cloudformation:DescribeStacks), the processor's limit
// (lambda:GetFunctionConfiguration) and signs a PUT URL; the upload itself is a plain HTTP PUT with no
// credentials, as anyone you hand the URL to would make it.
import * as fs from 'fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  UPLOAD_USAGE,
  UsageError,
  parseUploadArgs,
  processorSettings,
  regionFromEnv,
  stackOutputs,
} from './s3-events/cli';
import {
  checkSize,
  defaultName,
  presignUpload,
  presigningClient,
  resultLocation,
  uploadKey,
  uploadThroughUrl,
} from './s3-events/presigned-upload';

async function main(): Promise<void> {
  const args = parseUploadArgs(process.argv.slice(2));
  if (!args) {
    console.log(UPLOAD_USAGE);
    return;
  }
  const region = regionFromEnv(process.env);
  const stat = fs.statSync(args.file, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new UsageError(`${args.file} is not a file`);

  const cfn = new CloudFormationClient({ region });
  const described = await cfn.send(new DescribeStacksCommand({ StackName: args.stack }));
  const out = stackOutputs(described.Stacks?.[0], args.stack, [
    'UploadBucketName',
    'UploadPrefix',
    'ResultsBucketName',
    'ProcessorName',
  ] as const);
  const lambda = new LambdaClient({ region });
  const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: out.ProcessorName }));
  const settings = processorSettings(out.ProcessorName, fn.Environment?.Variables);

  checkSize(args.file, stat.size, settings.maxObjectBytes);
  const key = uploadKey(out.UploadPrefix, args.name ?? defaultName(args.file), settings.uploadSuffix);
  const body = fs.readFileSync(args.file);
  // The size read may differ from the stat if the file changed in between: sign what is sent.
  checkSize(args.file, body.byteLength, settings.maxObjectBytes);

  const url = await presignUpload(presigningClient({ region }), {
    bucket: out.UploadBucketName,
    key,
    contentLength: body.byteLength,
    expiresSeconds: args.expiresSeconds,
  });
  const { versionId } = await uploadThroughUrl(url, body);

  console.log(
    `Uploaded ${args.file} (${body.byteLength} bytes, limit ${settings.maxObjectBytes}) with a pre-signed URL ` +
      `valid for ${args.expiresSeconds} s`,
  );
  console.log(`  bucket:     ${out.UploadBucketName}`);
  console.log(`  key:        ${key}`);
  console.log(`  version id: ${versionId ?? '(none: the bucket is not versioned)'}`);
  if (versionId) {
    console.log(
      `The result will appear at ${resultLocation(out.ResultsBucketName, settings.resultsPrefix, key, versionId)}`,
    );
  } else {
    console.log(
      `The result will appear under s3://${out.ResultsBucketName}/${settings.resultsPrefix}${key}/`,
    );
  }
  console.log('If it does not, the event is in the FailedEvents queue: npm run replay-uploads');
}

main().catch((e: Error) => {
  if (e instanceof UsageError) {
    console.error(`${e.message}\n${UPLOAD_USAGE}`);
    process.exit(2);
  }
  console.error(`upload failed: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
  process.exit(1);
});
