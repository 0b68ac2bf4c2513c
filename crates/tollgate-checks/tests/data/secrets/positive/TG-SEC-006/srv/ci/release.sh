#!/bin/sh
set -eu
export GITHUB_TOKEN=ghp~~_oylvabB7YYRccgxNyAdgKMAGmY5ouK6jo7cX
gh release create "$TAG" dist/*
