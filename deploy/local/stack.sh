#!/usr/bin/env bash
# Local service stack for tidemark: Kafka (KRaft, single node), Apicurio Registry
# (Confluent-compatible API), an in-memory MongoDB (mongo-java-server, oplog on)
# and the machine's own PostgreSQL.
#
#   deploy/local/stack.sh up | down | status [--json] | restart
#
# Everything the stack downloads, writes or logs lives under $TIDEMARK_STACK_DIR
# (default: <repo>/.stack). Artifacts come from Maven Central through Maven's own
# cache (~/.m2); versions are pinned in deploy/local/pom.xml. See README.md here.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
POM=$SCRIPT_DIR/pom.xml

STACK_DIR=${TIDEMARK_STACK_DIR:-$REPO_DIR/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)

HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9009}
MONGO_PORT=${MONGO_PORT:-27017}
PG_PORT=${PG_PORT:-5432}

KAFKA_HEAP=${KAFKA_HEAP:-512m}
REGISTRY_HEAP=${REGISTRY_HEAP:-512m}
MONGO_HEAP=${MONGO_HEAP:-3g}   # in-memory data plus its oplog
STACK_TIMEOUT=${STACK_TIMEOUT:-120}   # seconds to wait for each component to become ready
JAVA_CMD=${JAVA_CMD:-java}             # Kafka and Mongo (Java 17+)
# REGISTRY_JAVA: java >= 21 for Apicurio 3 (auto-detected when unset)

LIB_DIR=$STACK_DIR/lib
RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/logs
DATA_DIR=$STACK_DIR/data
CONF_DIR=$STACK_DIR/conf
# Every JVM the stack starts carries this marker, so `down` can find stragglers.
MARKER="-Dtidemark.stack.dir=$STACK_DIR"

COMPONENTS=(kafka registry mongo)
declare -A STARTED=() # component -> $SECONDS at launch

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

pom_prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$POM" | head -n 1; }
KAFKA_VERSION=$(pom_prop kafka.version)
APICURIO_VERSION=$(pom_prop apicurio.version)
MONGO_SERVER_VERSION=$(pom_prop mongo-java-server.version)
DEPENDENCY_PLUGIN_VERSION=$(pom_prop dependency-plugin.version)
[[ -n $KAFKA_VERSION && -n $APICURIO_VERSION && -n $MONGO_SERVER_VERSION && -n $DEPENDENCY_PLUGIN_VERSION ]] ||
  die "could not read versions from $POM"

KAFKA_LIB=$LIB_DIR/kafka-$KAFKA_VERSION
REGISTRY_LIB=$LIB_DIR/apicurio-registry-$APICURIO_VERSION
MONGO_LIB=$LIB_DIR/mongo-java-server-$MONGO_SERVER_VERSION

port_of() {
  case $1 in
    kafka) echo "$KAFKA_PORT" ;; registry) echo "$REGISTRY_PORT" ;;
    mongo) echo "$MONGO_PORT" ;; postgres) echo "$PG_PORT" ;;
  esac
}
log_of() {
  case $1 in
    kafka) echo "$LOG_DIR/kafka/server.log" ;; *) echo "$LOG_DIR/$1.log" ;;
  esac
}

# ---------------------------------------------------------------- helpers

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

pid_file() { echo "$RUN_DIR/$1.pid"; }
read_pid() { local f; f=$(pid_file "$1"); [[ -s $f ]] && cat "$f" || true; }

# alive PID: the process exists and is one of ours (guards against pid reuse)
alive() {
  local pid=${1:-}
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$MARKER"
}

# pids of every process carrying our marker (safety net for `down`)
stack_pids() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$$" ]] && continue
    tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$MARKER" && echo "$p"
  done
  return 0
}

java_major() { # prints the feature version of a java binary, e.g. 17
  "$1" -version 2>&1 | sed -n '1s/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p'
}

find_registry_java() {
  local c m
  if [[ -n ${REGISTRY_JAVA:-} ]]; then
    m=$(java_major "$REGISTRY_JAVA" || true)
    [[ ${m:-0} -ge 21 ]] || die "REGISTRY_JAVA=$REGISTRY_JAVA is not Java 21+ (Apicurio Registry 3 needs 21+)"
    echo "$REGISTRY_JAVA"; return
  fi
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v "$JAVA_CMD" || true)" \
           $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV); do
    [[ -x $c ]] || continue
    m=$(java_major "$c" || true)
    if [[ ${m:-0} -ge 21 ]]; then echo "$c"; return; fi
  done
  die "no Java 21+ found for Apicurio Registry 3 (looked at JAVA_HOME, PATH, /usr/lib/jvm/*); set REGISTRY_JAVA=/path/to/java"
}

# ------------------------------------------------------------ artifacts

mvn_copy() { # profile outdir : resolve a profile's dependencies via ~/.m2 into outdir
  local profile=$1 out=$2 mlog=$LOG_DIR/mvn.log
  local args=(-B -q -Dstyle.color=never -f "$POM" -P "$profile" ${STACK_MVN_ARGS:-}
    "org.apache.maven.plugins:maven-dependency-plugin:$DEPENDENCY_PLUGIN_VERSION:copy-dependencies"
    "-DoutputDirectory=$out")
  command -v mvn >/dev/null || die "mvn not found"
  # offline first (works without network once ~/.m2 has everything), then online
  if mvn -o "${args[@]}" >"$mlog" 2>&1; then return 0; fi
  log "fetching $profile artifacts from Maven Central into ~/.m2 ..."
  if ! mvn "${args[@]}" >"$mlog" 2>&1; then
    tail -n 30 "$mlog" >&2
    die "maven could not resolve the '$profile' artifacts (log: $mlog)"
  fi
}

ensure_lib() { # name dir : make sure lib dir exists and is complete
  local name=$1 dir=$2 tmp=$2.tmp
  [[ -f $dir/.complete ]] && return 0
  rm -rf "$dir" "$tmp"
  mkdir -p "$tmp"
  case $name in
    kafka | mongo) mvn_copy "$name" "$tmp" ;;
    registry)
      mvn_copy registry "$tmp/dl"
      local tgz
      tgz=$(ls "$tmp"/dl/apicurio-registry-app-*-all.tar.gz 2>/dev/null | head -n 1)
      [[ -n $tgz ]] || die "apicurio tar.gz not found after maven copy"
      tar -xzf "$tgz" -C "$tmp"
      rm -rf "$tmp/dl"
      # the archive has quarkus-run.jar either at its root or under quarkus-app/
      if [[ ! -f $tmp/quarkus-run.jar && -f $tmp/quarkus-app/quarkus-run.jar ]]; then
        mv "$tmp/quarkus-app"/* "$tmp/" && rmdir "$tmp/quarkus-app"
      fi
      [[ -f $tmp/quarkus-run.jar ]] || die "quarkus-run.jar not found in the apicurio archive"
      ;;
  esac
  touch "$tmp/.complete"
  mv "$tmp" "$dir"
  # drop unpacked copies of other (older) versions of the same component
  local old
  for old in "$LIB_DIR/$(basename "${dir%-*}")"-*; do
    [[ $old != "$dir" && -d $old ]] && rm -rf "$old"
  done
  return 0
}

# ---------------------------------------------------------------- launch

launch() { # name logfile cmd... : start detached, record pid
  local name=$1 out=$2; shift 2
  mkdir -p "$(dirname "$out")"
  # setsid: own session, survives the calling shell; 9>&- : don't inherit the lock
  setsid nohup "$@" >>"$out" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
  STARTED[$name]=$SECONDS
}

fail_start() { # name message
  local name=$1 msg=$2 lf
  lf=$(log_of "$name")
  printf '[stack] ERROR: %s: %s\n' "$name" "$msg" >&2
  for f in "$lf" "$LOG_DIR/$name.out"; do
    [[ -s $f ]] || continue
    printf '[stack] ---- last lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
  stop_one "$name" 10
  exit 1
}

wait_ready() { # name check-fn
  local name=$1 check=$2 pid t0=${STARTED[$1]:-$SECONDS}
  pid=$(read_pid "$name")
  until $check; do
    alive "$pid" || fail_start "$name" "process exited during startup"
    ((SECONDS - t0 < STACK_TIMEOUT)) || fail_start "$name" "not ready after ${STACK_TIMEOUT}s"
    sleep 0.5
  done
  log "$name ready on $HOST:$(port_of "$name") (pid $pid, $((SECONDS - t0))s)"
}

# ----------------------------------------------------------------- kafka

kafka_conf() {
  local conf=$CONF_DIR/kafka/server.properties
  mkdir -p "$CONF_DIR/kafka" "$DATA_DIR/kafka" "$LOG_DIR/kafka"
  cat >"$conf" <<EOF
# generated by deploy/local/stack.sh -- edits are overwritten on every start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/kafka
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
num.network.threads=2
num.io.threads=4
log.retention.hours=168
EOF
  echo "$conf"
}

kafka_java() { # extra args... : run a kafka class with the stack's classpath/logging
  "$JAVA_CMD" "-Dlog4j2.configurationFile=$SCRIPT_DIR/kafka-log4j2.xml" \
    "-Dkafka.logs.dir=$LOG_DIR/kafka" -cp "$KAFKA_LIB/*" "$@"
}

kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  # Once seen ready, this broker process stays "ready" even after its log rolls over.
  local pid
  pid=$(read_pid kafka)
  [[ -n $pid && -f $RUN_DIR/kafka.ready && $(cat "$RUN_DIR/kafka.ready") == "$pid" ]] && return 0
  local off=0 size
  [[ -f $RUN_DIR/kafka.logoffset ]] && off=$(cat "$RUN_DIR/kafka.logoffset")
  size=$(stat -c %s "$LOG_DIR/kafka/server.log" 2>/dev/null || echo 0)
  ((size >= off)) || off=0 # the log rolled over since the start
  # the broker logs this once it is unfenced and serving (KafkaRaftServer)
  tail -c "+$((off + 1))" "$LOG_DIR/kafka/server.log" 2>/dev/null | grep -q 'Kafka Server started' || return 1
  [[ -n $pid ]] && echo "$pid" >"$RUN_DIR/kafka.ready"
  return 0
}

start_kafka() {
  ensure_lib kafka "$KAFKA_LIB"
  local conf
  conf=$(kafka_conf)
  if [[ ! -f $DATA_DIR/kafka/meta.properties ]]; then
    local cid
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    log "formatting Kafka storage (cluster id $cid)"
    # --cluster-id=: an id starting with "-" would otherwise be read as an option (1 in 64).
    kafka_java kafka.tools.StorageTool format --cluster-id="$cid" -c "$conf" \
      >"$LOG_DIR/kafka/format.log" 2>&1 9>&- ||
      { cat "$LOG_DIR/kafka/format.log" >&2; die "kafka storage format failed"; }
  fi
  stat -c %s "$LOG_DIR/kafka/server.log" 2>/dev/null >"$RUN_DIR/kafka.logoffset" || echo 0 >"$RUN_DIR/kafka.logoffset"
  launch kafka "$LOG_DIR/kafka.out" \
    "$JAVA_CMD" "$MARKER" "-Xmx$KAFKA_HEAP" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$SCRIPT_DIR/kafka-log4j2.xml" \
    "-Dkafka.logs.dir=$LOG_DIR/kafka" -cp "$KAFKA_LIB/*" kafka.Kafka "$conf"
}

# -------------------------------------------------------------- registry

registry_ready() {
  curl -fsS -o /dev/null --max-time 2 "http://$HOST:$REGISTRY_PORT/apis/ccompat/v7/subjects" 2>/dev/null
}

start_registry() {
  ensure_lib registry "$REGISTRY_LIB"
  local rjava
  rjava=$(find_registry_java)
  : >"$LOG_DIR/registry.log.tmp" && mv "$LOG_DIR/registry.log.tmp" "$LOG_DIR/registry.log"
  # In-memory H2 storage (the default "sql"/"h2" storage with a mem: URL): every start is empty.
  launch registry "$LOG_DIR/registry.log" \
    "$rjava" "$MARKER" "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dquarkus.http.host=$HOST "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dquarkus.management.host=$HOST "-Dquarkus.management.port=$REGISTRY_MANAGEMENT_PORT" \
    -Dquarkus.http.access-log.enabled=false \
    "-Dquarkus.log.console.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{2.}] (%t) %s%e%n" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    "-Dapicurio.datasource.url=jdbc:h2:mem:registry;DB_CLOSE_DELAY=-1" \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=20 \
    "-Dapicurio.storage.snapshot.location=$DATA_DIR/registry" \
    -Dapicurio.ccompat.legacy-id-mode.enabled=false \
    -Dapicurio.ccompat.use-canonical-hash=true \
    -jar "$REGISTRY_LIB/quarkus-run.jar"
}

# ----------------------------------------------------------------- mongo

mongo_ready() {
  port_open "$MONGO_PORT" && grep -q 'mongo-java-server: listening' "$LOG_DIR/mongo.log" 2>/dev/null
}

start_mongo() {
  ensure_lib mongo "$MONGO_LIB"
  : >"$LOG_DIR/mongo.log"
  launch mongo "$LOG_DIR/mongo.log" \
    "$JAVA_CMD" "$MARKER" "-Xmx$MONGO_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=50 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true \
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS" \
    -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire=warn \
    ${MONGO_CHANGE_EVENTS:+"-Dtidemark.mongo.changeEvents=$MONGO_CHANGE_EVENTS"} \
    ${MONGO_OPLOG_MAX_ENTRIES:+"-Dtidemark.mongo.oplogMaxEntries=$MONGO_OPLOG_MAX_ENTRIES"} \
    ${MONGO_OPLOG_MAX_MB:+"-Dtidemark.mongo.oplogMaxMB=$MONGO_OPLOG_MAX_MB"} \
    -cp "$MONGO_LIB/*" "$SCRIPT_DIR/MongoServerLauncher.java" "$HOST" "$MONGO_PORT"
}

# -------------------------------------------------------------- postgres

pg_ready() { pg_isready -q -h "$HOST" -p "$PG_PORT" 2>/dev/null; }

pg_pid() {
  local v f
  for v in $(ls /etc/postgresql 2>/dev/null); do
    f=/var/lib/postgresql/$v/main/postmaster.pid
    [[ -r $f ]] && head -n 1 "$f" && return 0
  done
  return 0
}

up_postgres() {
  command -v pg_isready >/dev/null || die "pg_isready not found (PostgreSQL client missing)"
  if pg_ready; then log "postgres already up on $HOST:$PG_PORT"; return 0; fi
  local v
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [[ -n $v ]] || die "postgres not reachable on $HOST:$PG_PORT and no cluster under /etc/postgresql"
  log "starting system PostgreSQL $v/main"
  pg_ctlcluster --skip-systemctl-redirect "$v" main start 9>&- || true
  local t0=$SECONDS
  until pg_ready; do
    ((SECONDS - t0 < 60)) || die "postgres not ready on $HOST:$PG_PORT after 60s"
    sleep 0.5
  done
  log "postgres ready on $HOST:$PG_PORT"
}

# The ports a running stack was started with are kept in run/ports.env, so that
# `status` (and a second `up`) look at the right ports whatever the caller's env says.
PORT_VARS=(KAFKA_PORT KAFKA_CONTROLLER_PORT REGISTRY_PORT REGISTRY_MANAGEMENT_PORT MONGO_PORT)

any_alive() {
  local c
  for c in "${COMPONENTS[@]}"; do alive "$(read_pid "$c")" && return 0; done
  return 1
}

load_running_ports() { # [warn]
  local f=$RUN_DIR/ports.env v line
  [[ -f $f ]] && any_alive || return 0
  while IFS='=' read -r v line; do
    [[ " ${PORT_VARS[*]} " == *" $v "* && $line =~ ^[0-9]+$ ]] || continue
    if [[ ${1:-} == warn && ${!v} != "$line" ]]; then
      log "note: the running stack uses $v=$line (not ${!v}); run 'down' first to change ports"
    fi
    printf -v "$v" '%s' "$line"
  done <"$f"
}

save_ports() {
  local v
  for v in "${PORT_VARS[@]}"; do echo "$v=${!v}"; done >"$RUN_DIR/ports.env"
}

# --------------------------------------------------------------- commands

ready_fn() { echo "${1}_ready"; }

# start_if_needed NAME: start the component unless it is already running; prints
# nothing, returns 0. Readiness is awaited separately so that JVMs start in parallel.
start_if_needed() {
  local name=$1 pid port p
  pid=$(read_pid "$name")
  port=$(port_of "$name")
  if alive "$pid"; then
    if $(ready_fn "$name"); then
      log "$name already running (pid $pid, $HOST:$port)"
      ALREADY+=("$name")
    else
      log "$name running (pid $pid) but not ready yet; waiting"
    fi
    return 0
  fi
  rm -f "$(pid_file "$name")"
  for p in "$port" $([[ $name == kafka ]] && echo "$KAFKA_CONTROLLER_PORT") \
    $([[ $name == registry ]] && echo "$REGISTRY_MANAGEMENT_PORT"); do
    port_open "$p" && die "$name: port $HOST:$p is already in use by another process (see deploy/local/README.md for the *_PORT variables)"
  done
  "start_$name"
}

stop_one() { # name [grace-seconds]
  local name=$1 grace=${2:-30} pid t0
  pid=$(read_pid "$name")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    t0=$SECONDS
    while alive "$pid" && ((SECONDS - t0 < grace)); do sleep 0.3; done
    if alive "$pid"; then
      log "$name (pid $pid) did not stop in ${grace}s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$(pid_file "$name")"
}

cmd_up() {
  mkdir -p "$LIB_DIR" "$RUN_DIR" "$LOG_DIR" "$DATA_DIR" "$CONF_DIR"
  up_postgres
  local c
  load_running_ports warn
  ALREADY=()
  # fetch artifacts first (sequentially), then start every JVM, then wait for each
  ensure_lib kafka "$KAFKA_LIB"
  ensure_lib registry "$REGISTRY_LIB"
  ensure_lib mongo "$MONGO_LIB"
  for c in "${COMPONENTS[@]}"; do start_if_needed "$c"; done
  save_ports
  for c in "${COMPONENTS[@]}"; do
    [[ " ${ALREADY[*]-} " == *" $c "* ]] || wait_ready "$c" "$(ready_fn "$c")"
  done
  log "stack is up (dir: $STACK_DIR)"
}

cmd_down() {
  mkdir -p "$RUN_DIR"
  local c pid pids=() t0
  # SIGTERM everything at once, then wait (Kafka's controlled shutdown takes a few seconds)
  for c in "${COMPONENTS[@]}"; do
    pid=$(read_pid "$c")
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  # safety net: anything else started for this stack dir
  for pid in $(stack_pids); do
    [[ " ${pids[*]-} " == *" $pid "* ]] || { kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); }
  done
  t0=$SECONDS
  while ((SECONDS - t0 < 30)); do
    local left=0
    for pid in "${pids[@]-}"; do [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && left=1; done
    ((left)) || break
    sleep 0.3
  done
  for pid in "${pids[@]-}" $(stack_pids); do
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      log "pid $pid still alive after 30s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for c in "${COMPONENTS[@]}"; do rm -f "$(pid_file "$c")"; done
  rm -f "$RUN_DIR/kafka.logoffset" "$RUN_DIR/kafka.ready" "$RUN_DIR/ports.env"
  local rest
  rest=$(stack_pids)
  [[ -z $rest ]] || die "processes still running: $rest"
  log "stack is down (postgres is a system service and was left running)"
}

cmd_status() {
  local json=0 all=0 c pid port state
  [[ ${1:-} == --json ]] && json=1
  load_running_ports
  local lines=()
  for c in "${COMPONENTS[@]}" postgres; do
    port=$(port_of "$c")
    if [[ $c == postgres ]]; then
      pid=$(pg_pid)
      if pg_ready; then state=running; else state=stopped; fi
    else
      pid=$(read_pid "$c")
      if alive "$pid"; then
        if $(ready_fn "$c"); then state=running; else state=starting; fi
      else
        state=stopped; pid=
      fi
    fi
    [[ $state == running ]] || all=1
    if ((json)); then
      lines+=("$(printf '"%s":{"state":"%s","host":"%s","port":%s,"pid":%s}' "$c" "$state" "$HOST" "$port" "${pid:-null}")")
    else
      printf '%-9s %-8s %s:%-6s pid=%s\n' "$c" "$state" "$HOST" "$port" "${pid:--}"
    fi
  done
  if ((json)); then
    local IFS=,
    printf '{%s,"stackDir":"%s"}\n' "${lines[*]}" "$STACK_DIR"
  fi
  return $all
}

with_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/stack.lock"
  flock -w 300 9 || die "another stack.sh holds $RUN_DIR/stack.lock"
  "$@"
}

case ${1:-} in
  up) with_lock cmd_up ;;
  down) with_lock cmd_down ;;
  restart) with_lock cmd_down && with_lock cmd_up ;;
  status) shift; cmd_status "$@" ;;
  *)
    echo "usage: $0 up|down|status [--json]|restart" >&2
    exit 2
    ;;
esac
