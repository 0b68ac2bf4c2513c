#!/bin/sh
NPM_TOKEN=npm~~_Itx0h8IcQM82b8XaR453AdjA8Ukjy9ixNHr4 npm publish --access public
