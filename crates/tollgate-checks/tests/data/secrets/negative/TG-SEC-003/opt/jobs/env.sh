#!/bin/sh
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-}"
aws_secret_access_key=$(cat /run/secrets/aws_secret_access_key)
export AWS_SECRET_ACCESS_KEY_FILE=/run/secrets/aws_secret_access_key
