import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * The one place vaecf makes an S3 client. The SDK warns once a process, on
 * its first client, that it will soon require Node 22 (NodeVersionSupportWarning);
 * vaecf runs on Node 20 and knows, so the warning is turned off before the
 * client is made (the SDK reads the variable at construction). Nothing else
 * about the client changes.
 */
export function createS3Client(config: S3ClientConfig): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return new S3Client(config);
}
