#!/bin/sh
# One-shot job (minio/mc): creates the documents bucket and the application's MinIO user,
# allowed to read, write and delete objects in that bucket and nothing else. Idempotent, so it
# runs on every `docker compose up` (a changed AWS_SECRET_ACCESS_KEY is applied).
set -eu

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$S3_BUCKET"

policy=/tmp/documents-policy.json
cat > "$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": ["arn:aws:s3:::$S3_BUCKET"] },
    { "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], "Resource": ["arn:aws:s3:::$S3_BUCKET/*"] }
  ]
}
JSON
mc admin policy create local fraud-engine-documents "$policy"
mc admin user add local "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"
if ! mc admin user info local "$AWS_ACCESS_KEY_ID" | grep -q fraud-engine-documents; then
  mc admin policy attach local fraud-engine-documents --user "$AWS_ACCESS_KEY_ID"
fi
echo "bucket $S3_BUCKET and user $AWS_ACCESS_KEY_ID ready"
