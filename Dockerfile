# One image recipe for every whodrove service:
#   docker build --build-arg SERVICE=recording-decoder -t whodrove/recording-decoder .
# SERVICE is a module name: ingest-teleport, ingest-gcp, recording-decoder, featurizer, classifier, llm-scorer,
# sqlite-sink.
FROM maven:3.9.9-eclipse-temurin-17 AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN test -n "$SERVICE" && test -f "$SERVICE/pom.xml" \
 && mvn -B -q -DskipTests -pl "$SERVICE" -am package \
 && mvn -B -q -pl "$SERVICE" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp "$SERVICE"/target/"$SERVICE"-*.jar /out/app.jar

FROM eclipse-temurin:17.0.15_6-jre
ARG SERVICE
ARG HEALTH_PORT=9400
RUN useradd --system --uid 10001 --home-dir /app whodrove && mkdir -p /app /data && chown whodrove /data
COPY --from=build /out/ /app/
USER whodrove
WORKDIR /data
ENV WHODROVE_HTTP_PORT=${HEALTH_PORT} SERVICE=${SERVICE}
EXPOSE ${HEALTH_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/${WHODROVE_HTTP_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/app/app.jar:/app/lib/*", "dev.whodrove.runtime.ServiceLauncher"]
