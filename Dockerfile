# syntax=docker/dockerfile:1
# One image for every whodrove service; which one a container runs is its command:
#   docker build -t whodrove:local .
#   docker run whodrove:local featurizer          # ENTRYPOINT /app/service NAME
#
# The image holds each service module's own jar as /app/<module>.jar (its manifest names the module's Main class and
# lists its runtime dependencies under lib/) and the union of their dependencies in /app/lib (one version of each:
# the root pom manages them). A service module is a module that registers a dev.whodrove.runtime.ServiceFactory; a
# new one is built into the image without changes here: it needs a line in deploy/docker/service (its health port)
# and a block in docker-compose.yml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# One reactor build of the service modules and what they need (package, not install: the reactor hands each module
# its siblings); each module's runtime dependencies land in its target/dependency. The Maven repository is a build
# cache kept between builds.
RUN --mount=type=cache,target=/root/.m2,sharing=locked \
    services=$(ls -d */src/main/resources/META-INF/services/dev.whodrove.runtime.ServiceFactory | cut -d/ -f1) \
 && test -n "$services" \
 && mvn -B -q -Dmaven.test.skip=true -pl "$(echo $services | tr ' ' ',')" -am \
      package dependency:copy-dependencies -DincludeScope=runtime \
 && mkdir -p /out/lib \
 && for s in $services; do \
      jar=$(ls "$s"/target/"$s"-*.jar | grep -v -e '-sources\.jar$' -e '-tests\.jar$' -e '-javadoc\.jar$'); \
      { test "$(echo "$jar" | wc -l)" -eq 1 && cp "$jar" "/out/$s.jar" && cp "$s"/target/dependency/*.jar /out/lib/; } \
        || exit 1; \
    done

# A maintained JRE of the LTS line the code is built for: the tag follows its security releases, so a rebuild
# picks them up. Ubuntu based: bash (the healthcheck's /dev/tcp) and useradd, neither curl nor wget.
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin whodrove \
 && mkdir -p /app /data && chown whodrove /data
COPY --from=build /out/ /app/
COPY --chmod=755 deploy/docker/service /app/service
USER whodrove
WORKDIR /data
EXPOSE 9401-9409 9419
# GET /readyz of the running service (its port: WHODROVE_HTTP_PORT, else the service's own); healthy on 200.
HEALTHCHECK --interval=10s --timeout=6s --start-period=60s --retries=3 CMD ["/app/service", "--ready"]
ENTRYPOINT ["/app/service"]
