# syntax=docker/dockerfile:1
# One image recipe for every whodrove service:
#   docker build --build-arg SERVICE=recording-decoder -t whodrove/recording-decoder .
# SERVICE is a module name: ingest-teleport, ingest-gcp, recording-decoder, featurizer, classifier, correlator,
# llm-scorer, sqlite-sink, siem-export.
#
# The image runs the module's own jar (`java -jar /app/app.jar`): its manifest names the module's Main class and
# lists the runtime dependencies under lib/, which the build stage copies to /app/lib.
FROM maven:3.9.9-eclipse-temurin-17 AS build
ARG SERVICE
WORKDIR /src
COPY . .
# `install` puts the module and its in-project dependencies (schemas, runtime, …) into the local repository, so the
# second call, limited to the module, resolves them when copying its runtime dependencies. The Maven repository is
# a build cache shared by the service builds (locked: one build at a time writes it).
# The health port is the service's conventional one (ServiceFactory.defaultHttpPort()); the healthcheck reads it
# from /app/health-port unless WHODROVE_HTTP_PORT is set.
RUN --mount=type=cache,target=/root/.m2,sharing=locked \
    test -n "$SERVICE" && test -f "$SERVICE/pom.xml" \
 && case "$SERVICE" in \
      ingest-teleport) port=9401 ;; \
      ingest-gcp) port=9402 ;; \
      recording-decoder) port=9403 ;; \
      featurizer) port=9404 ;; \
      classifier) port=9405 ;; \
      llm-scorer) port=9406 ;; \
      sqlite-sink) port=9407 ;; \
      correlator) port=9408 ;; \
      siem-export) port=9409 ;; \
      *) echo "unknown SERVICE $SERVICE" >&2; exit 1 ;; \
    esac \
 && mvn -B -q -DskipTests -pl "$SERVICE" -am install \
 && mvn -B -q -pl "$SERVICE" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && jar=$(ls "$SERVICE"/target/"$SERVICE"-*.jar | grep -v -e '-sources\.jar$' -e '-tests\.jar$' -e '-javadoc\.jar$') \
 && test "$(echo "$jar" | wc -l)" -eq 1 \
 && cp "$jar" /out/app.jar \
 && echo "$port" > /out/health-port

# eclipse-temurin JRE images are Ubuntu based: they have bash (used by the healthcheck for /dev/tcp, which dash,
# Ubuntu's /bin/sh, does not have) and useradd, but neither curl nor wget.
FROM eclipse-temurin:17.0.15_6-jre
ARG SERVICE
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin whodrove \
 && mkdir -p /app /data && chown whodrove /data
COPY --from=build /out/ /app/
USER whodrove
WORKDIR /data
ENV SERVICE=${SERVICE}
EXPOSE 9401-9409 9419
# GET /healthz over a bash /dev/tcp socket; healthy when the status line says 200.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "port=${WHODROVE_HTTP_PORT:-$(cat /app/health-port)}; exec 3<>/dev/tcp/127.0.0.1/$port || exit 1; printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3; IFS= read -r status <&3; [[ $status == *' 200 '* ]]"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
