# The m4c image: the CLI with its dependencies, for `m4c worker` (BullMQ replays), the pods of
# `m4c k8s job` and CI jobs. Data, models, state files and SQLite results live on volumes mounted at the
# same absolute paths on every machine (docs/scale.md); PostgreSQL and Redis are reached by URL.
#
#   docker build -t m4c .
#   docker run --rm -v /shared:/shared m4c worker --queue redis://queue:6379
FROM node:20-bookworm-slim

WORKDIR /opt/m4
# Dependencies first, so a source change does not reinstall them. onnxruntime-node's CPU runtime comes
# with the package; .npmrc skips its CUDA download. `--ignore-scripts` because the prepare script (the CLI
# bundle) needs the sources, copied below; but better-sqlite3's native binding is built by its install
# script, so it is rebuilt by name (without it every SQLite sink fails: test/cli/dockerfile.test.ts).
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force
COPY . .
RUN node scripts/build-cli.mjs \
 && ln -s /opt/m4/bin/m4c.js /usr/local/bin/m4c \
 && chmod +x /opt/m4/bin/m4c.js

# Not root: the shared volume decides who may write results and states.
USER node
ENTRYPOINT ["m4c"]
CMD ["--help"]
