const { S3Client } = require("@aws-sdk/client-s3");

module.exports = new S3Client({
  region: "eu-central-1",
  credentials: {
    accessKeyId: "ASIA~~MBXVUZYDNPNE3MDP",
    secretAccessKey: process.env.S3_SECRET,
    sessionToken: process.env.S3_SESSION,
  },
});
