# syntax=docker/dockerfile:1
# One image recipe for both services; PROJECT picks which (IdentityServer or BoardApi).
# The build context is the repository root, because the build needs the shared
# files there (central package versions, SDK pin) and the shared libraries in src/
# (RedisJwt.Revocation, RedisJwt.ServiceDefaults):
#   docker build --build-arg PROJECT=BoardApi -t redisjwt/boardapi .
# (docker-compose.yml does exactly this.)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT=IdentityServer
WORKDIR /repo
# Shared build settings (and the analyzer config, so the build matches a local
# one), then all of src/. tests/ is not needed to publish.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet restore src/${PROJECT}/${PROJECT}.csproj
# UseAppHost=false: the image starts the app with "dotnet <PROJECT>.dll".
RUN dotnet publish src/${PROJECT}/${PROJECT}.csproj \
      -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
ARG PROJECT=IdentityServer
ENV APP_DLL=${PROJECT}.dll
WORKDIR /app
COPY --from=build /app ./
# The aspnet image ships a non-root user "app"; APP_UID (1654) is its uid.
USER $APP_UID
# Kestrel listens on 8080 unless ASPNETCORE_HTTP_PORTS says otherwise (non-root
# cannot bind below 1024). Plain HTTP: TLS is terminated in front of the container.
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# Arguments given to the container (e.g. "migrate") go to the app.
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"$APP_DLL\" \"$@\"", "--"]
