// The store host's S3-protocol server (s3rver), which the cluster tests start inside that host's
// network namespace: node s3-host.js <address> <port> <directory> <bucket>
const S3rver = require('s3rver');

const [address, port, directory, bucket] = process.argv.slice(2);
new S3rver({ address, port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket }] })
  .run()
  .then(
    () => console.log(`s3 on ${address}:${port}, bucket ${bucket}`),
    (e) => {
      console.error(`s3 server: ${e.message}`);
      process.exit(1);
    },
  );
