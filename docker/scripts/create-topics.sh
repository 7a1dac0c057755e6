#!/usr/bin/env bash
# Creates PagedStream's topics on the compose cluster (run by the kafka-init service, in the
# apache/kafka image). Safe to run again: existing topics are left as they are.
#
#   replication factor 3, min.insync.replicas 2: with acks=all (every PagedStream producer) a
#   write survives the loss of any one broker, and the cluster keeps accepting writes with one
#   broker down.
set -euo pipefail

bootstrap="${BOOTSTRAP:-kafka-1:19092,kafka-2:19092,kafka-3:19092}"
partitions="${PARTITIONS:-12}"
replicas="${REPLICATION_FACTOR:-3}"
topics_cmd=/opt/kafka/bin/kafka-topics.sh

# create NAME PARTITIONS [CONFIG=VALUE ...]
create() {
  local name="$1" count="$2"
  shift 2
  local configs=(--config min.insync.replicas=2)
  for c in "$@"; do
    configs+=(--config "$c")
  done
  "$topics_cmd" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \
    --partitions "$count" --replication-factor "$replicas" "${configs[@]}"
}

# Prompts for the batcher, keyed by request id. Kept a week: long enough to re-run a batcher.
create llm.requests "$partitions" retention.ms=604800000
# Batches for the processors: one record holds up to max-num-seqs tokenized prompts, hence 16 MiB.
# Processors scale by partitions: at most one processor per partition does work.
create llm.batches "$partitions" retention.ms=604800000 max.message.bytes=16777216
# Results, keyed by request id, exactly one per request: compacted, so the topic is a table of
# results that never loses one to age (a sink started weeks later still gets every result).
create llm.completions "$partitions" cleanup.policy=compact
# Records no service could read, with the reason in headers. Kept 30 days for inspection.
create llm.dead-letter 3 retention.ms=2592000000
# Completions a sink connector could not write (errors.tolerance=all), with the reason in headers.
create llm.completions.dead-letter 3 retention.ms=2592000000
# Answers of deterministic requests keyed by (model, prompt, sampling) hash, written by the
# processors and read by every batcher as a global table: compacted, one entry per key.
create llm.response-cache "$partitions" cleanup.policy=compact
# Each job's figures (pagedstream status --job ID), keyed by job id.
create llm.jobs 1 cleanup.policy=compact
# Ingest's resume points, keyed by transactional id: a compacted table of tiny records.
create llm.ingest-progress 1 cleanup.policy=compact

"$topics_cmd" --bootstrap-server "$bootstrap" --describe \
  --topic 'llm\..*' | grep -E '^Topic:' || true
echo "PagedStream topics are ready"
