#!/bin/sh
npm_config_cache=/tmp/.npm npm ci
echo "building $npm_package_name@$npm_package_version"
