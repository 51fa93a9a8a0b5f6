# syntax=docker/dockerfile:1.7
# vaecf images. Targets:
#   api  the HTTP API
#   cpu  the worker on the native TensorFlow backend (@tensorflow/tfjs-node)
#   gpu  the worker on CUDA (@tensorflow/tfjs-node-gpu: libtensorflow 2.9 wants CUDA 11.2 + cuDNN 8.1)
# Both run as a non-root user, without dev dependencies; npm's cache is a build cache mount and the
# package manifests are copied before the sources, so code changes do not re-run the installs.

ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/
COPY apps/worker/package.json apps/worker/
COPY apps/api/package.json apps/api/
COPY libs/cf/package.json libs/cf/
COPY libs/sweep/package.json libs/sweep/
COPY libs/queue/package.json libs/queue/
COPY libs/datasets/package.json libs/datasets/
COPY libs/artifacts/package.json libs/artifacts/
COPY libs/telemetry/package.json libs/telemetry/

FROM manifests AS build
# The optional native backends are installed per target below, not here.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=optional
COPY tsconfig.base.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
RUN npm run build

FROM manifests AS runtime
ENV NODE_ENV=production
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional
COPY --from=build /app/apps/cli/dist apps/cli/dist
COPY --from=build /app/apps/worker/dist apps/worker/dist
COPY --from=build /app/apps/api/dist apps/api/dist
COPY --from=build /app/libs/cf/dist libs/cf/dist
COPY --from=build /app/libs/sweep/dist libs/sweep/dist
COPY --from=build /app/libs/queue/dist libs/queue/dist
COPY --from=build /app/libs/datasets/dist libs/datasets/dist
COPY --from=build /app/libs/artifacts/dist libs/artifacts/dist
COPY --from=build /app/libs/telemetry/dist libs/telemetry/dist
COPY examples examples

FROM runtime AS api
# A container serves its network: bound to 0.0.0.0, so /metrics needs METRICS_TOKEN (the API refuses to start without).
ENV VAECF_ARTIFACTS_DIR=/artifacts \
    VAECF_CACHE_DIR=/cache \
    VAECF_DATA_ROOT=/data \
    PORT=8080 \
    API_HOST=0.0.0.0
RUN mkdir -p /artifacts /cache /data && chown node:node /artifacts /cache
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["node", "apps/api/dist/main.js"]

FROM runtime AS cpu
# Downloads libtensorflow (CPU) during the build, where the network is available.
RUN --mount=type=cache,target=/root/.npm npm install --no-save --omit=dev @tensorflow/tfjs-node@4.22.0
# /metrics on the container's network: needs METRICS_TOKEN (the worker refuses to start without).
ENV VAECF_BACKEND=tensorflow \
    VAECF_ARTIFACTS_DIR=/artifacts \
    VAECF_CACHE_DIR=/cache \
    WORKER_METRICS_PORT=9464 \
    WORKER_METRICS_HOST=0.0.0.0
RUN mkdir -p /artifacts /cache && chown node:node /artifacts /cache
USER node
EXPOSE 9464
STOPSIGNAL SIGTERM
CMD ["node", "apps/worker/dist/main.js"]

FROM runtime AS gpu-deps
RUN --mount=type=cache,target=/root/.npm npm install --no-save --omit=dev @tensorflow/tfjs-node-gpu@4.22.0

FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS gpu
COPY --from=runtime /usr/local/bin/node /usr/local/bin/node
COPY --from=gpu-deps /app /app
WORKDIR /app
ENV NODE_ENV=production \
    VAECF_BACKEND=tensorflow-gpu \
    VAECF_ARTIFACTS_DIR=/artifacts \
    VAECF_CACHE_DIR=/cache \
    WORKER_METRICS_PORT=9464 \
    WORKER_METRICS_HOST=0.0.0.0
RUN useradd --create-home --uid 1000 vaecf && mkdir -p /artifacts /cache && chown vaecf:vaecf /artifacts /cache
USER vaecf
EXPOSE 9464
STOPSIGNAL SIGTERM
CMD ["node", "apps/worker/dist/main.js"]
