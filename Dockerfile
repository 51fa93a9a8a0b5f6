# syntax=docker/dockerfile:1.7
# vaecf images. Targets:
#   api  the HTTP API
#   cpu  the worker on ONNX Runtime's CPU engine (onnxruntime-node, a regular dependency)
#   gpu  the worker on a GPU: ONNX Runtime's CUDA provider (CUDA 12 + cuDNN 9), downloaded at image build
#        where the network allows; otherwise its WebGPU provider (shipped in the npm package, on Vulkan)
# Both run as a non-root user, without dev dependencies; npm's cache is a build cache mount and the
# package manifests are copied before the sources, so code changes do not re-run the installs.

ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /app
# .npmrc: onnxruntime-node-install=skip, so npm ci never downloads the CUDA provider (the gpu target does).
COPY package.json package-lock.json .npmrc ./
COPY apps/cli/package.json apps/cli/
COPY apps/worker/package.json apps/worker/
COPY apps/api/package.json apps/api/
COPY libs/cf/package.json libs/cf/
COPY libs/sweep/package.json libs/sweep/
COPY libs/store/package.json libs/store/
COPY libs/orchestration/package.json libs/orchestration/
COPY libs/datasets/package.json libs/datasets/
COPY libs/artifacts/package.json libs/artifacts/
COPY libs/telemetry/package.json libs/telemetry/
COPY libs/errors/package.json libs/errors/
COPY libs/engine/package.json libs/engine/

FROM manifests AS build
# The optional native tfjs backends (tfjs-node) are not installed: ONNX Runtime is the native engine.
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
COPY --from=build /app/libs/store/dist libs/store/dist
COPY --from=build /app/libs/orchestration/dist libs/orchestration/dist
COPY --from=build /app/libs/datasets/dist libs/datasets/dist
COPY --from=build /app/libs/artifacts/dist libs/artifacts/dist
COPY --from=build /app/libs/telemetry/dist libs/telemetry/dist
COPY --from=build /app/libs/errors/dist libs/errors/dist
COPY --from=build /app/libs/engine/dist libs/engine/dist
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
# /metrics on the container's network: needs METRICS_TOKEN (the worker refuses to start without).
# VAECF_THREADS: engine threads per trial; auto = the container's cores / WORKER_CONCURRENCY.
ENV VAECF_ENGINE=onnxruntime \
    VAECF_THREADS=auto \
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
# ONNX Runtime's CUDA provider is too large for npm: its install script fetches it from NuGet. Run it
# directly (npm 11 gates install scripts); where the network does not allow it, the image uses WebGPU.
# The engine chosen here is written down for the worker's start (gpu-engine below).
RUN cd node_modules/onnxruntime-node \
    && if ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js \
         && test -f bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so; \
       then echo onnxruntime-cuda > /app/gpu-engine; \
       else echo "CUDA provider not downloaded: the gpu image runs onnxruntime-webgpu"; \
            echo onnxruntime-webgpu > /app/gpu-engine; fi

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS gpu
# Vulkan's loader for the WebGPU provider (Dawn on Vulkan); the NVIDIA runtime mounts the driver's ICD
# when the graphics capability is asked for.
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 && rm -rf /var/lib/apt/lists/*
COPY --from=runtime /usr/local/bin/node /usr/local/bin/node
COPY --from=gpu-deps /app /app
WORKDIR /app
# VAECF_ENGINE unset: the engine gpu-deps could install (CUDA, else WebGPU); set it to choose. auto
# never picks a GPU engine, so the image names one. VAECF_GPU: the device index.
ENV NODE_ENV=production \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics \
    VAECF_GPU=0 \
    VAECF_ARTIFACTS_DIR=/artifacts \
    VAECF_CACHE_DIR=/cache \
    WORKER_METRICS_PORT=9464 \
    WORKER_METRICS_HOST=0.0.0.0
RUN useradd --create-home --uid 1001 vaecf && mkdir -p /artifacts /cache && chown vaecf:vaecf /artifacts /cache
USER vaecf
EXPOSE 9464
STOPSIGNAL SIGTERM
# exec: the worker is the container's process and gets docker stop's SIGTERM itself.
CMD ["sh", "-c", "VAECF_ENGINE=${VAECF_ENGINE:-$(cat /app/gpu-engine)} exec node apps/worker/dist/main.js"]
