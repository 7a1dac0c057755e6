package io.pagedstream.ingest;

import io.pagedstream.core.request.RequestValidator;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one ingest run reads and how it writes.
 *
 * @param input the JSONL file, or null for stdin
 * @param jobId the job of requests that name none; null generates one ({@link JobIds}), or, when
 *     resuming under an explicit transactional id, takes the one the earlier run used
 * @param transactionalId null derives {@code pagedstream-ingest.<job id>.<file name or stdin>}, so
 *     running again with the same job id and input resumes; ignored unless transactional
 * @param transactional write each chunk in one Kafka transaction and record resume points; false
 *     writes with an idempotent producer only (at least once: a re-run sends everything again)
 * @param chunkLines lines per transaction at most
 * @param chunkMaxAge a transaction is committed at the latest this long after its first line, even
 *     if the input pauses (slow stdin), so it never meets the transaction timeout and
 *     read_committed consumers see lines soon
 * @param topics where requests, error results and progress go
 */
public record IngestConfig(
    Path input,
    String jobId,
    String transactionalId,
    boolean transactional,
    int chunkLines,
    Duration chunkMaxAge,
    TopicNames topics) {

  public static final int DEFAULT_CHUNK_LINES = 5_000;
  public static final Duration DEFAULT_CHUNK_MAX_AGE = Duration.ofSeconds(5);

  public IngestConfig {
    if (chunkLines < 1) {
      throw new IllegalArgumentException("chunk lines must be at least 1, got " + chunkLines);
    }
    if (chunkMaxAge == null || chunkMaxAge.isNegative() || chunkMaxAge.isZero()) {
      throw new IllegalArgumentException("chunk max age must be positive, got " + chunkMaxAge);
    }
    if (chunkMaxAge.toMillis() >= ProducerSettings.TRANSACTION_TIMEOUT_MS) {
      throw new IllegalArgumentException(
          "chunk max age must be shorter than the "
              + ProducerSettings.TRANSACTION_TIMEOUT_MS / 1000
              + " s transaction timeout, got "
              + chunkMaxAge);
    }
    if (jobId != null && (jobId.isBlank() || jobId.length() > RequestValidator.MAX_ID_CHARS)) {
      throw new IllegalArgumentException(
          "job id must be 1 to " + RequestValidator.MAX_ID_CHARS + " characters");
    }
    if (transactionalId != null && transactionalId.isBlank()) {
      throw new IllegalArgumentException("transactional id must not be blank");
    }
    if (transactionalId != null && !transactional) {
      throw new IllegalArgumentException("a transactional id was given but transactions are off");
    }
    if (topics == null) {
      throw new IllegalArgumentException("topics must be given");
    }
  }

  /** Reads {@code file}, transactional, default chunks and topics. */
  public static IngestConfig ofFile(Path file) {
    return new IngestConfig(
        file, null, null, true, DEFAULT_CHUNK_LINES, DEFAULT_CHUNK_MAX_AGE, TopicNames.defaults());
  }

  /** Reads standard input, transactional, default chunks and topics. */
  public static IngestConfig ofStdin() {
    return ofFile(null);
  }

  public boolean readsStdin() {
    return input == null;
  }

  /** The name progress records and derived transactional ids use: the file name, or "stdin". */
  public String sourceName() {
    return input == null ? "stdin" : String.valueOf(input.getFileName());
  }

  public IngestConfig withJobId(String id) {
    return new IngestConfig(
        input, id, transactionalId, transactional, chunkLines, chunkMaxAge, topics);
  }

  public IngestConfig withTransactionalId(String id) {
    return new IngestConfig(input, jobId, id, transactional, chunkLines, chunkMaxAge, topics);
  }

  /** Idempotent producer only: no transactions, no progress, no resume. */
  public IngestConfig withoutTransactions() {
    return new IngestConfig(input, jobId, null, false, chunkLines, chunkMaxAge, topics);
  }

  public IngestConfig withChunkLines(int lines) {
    return new IngestConfig(
        input, jobId, transactionalId, transactional, lines, chunkMaxAge, topics);
  }

  public IngestConfig withChunkMaxAge(Duration age) {
    return new IngestConfig(input, jobId, transactionalId, transactional, chunkLines, age, topics);
  }

  public IngestConfig withTopics(TopicNames names) {
    return new IngestConfig(
        input, jobId, transactionalId, transactional, chunkLines, chunkMaxAge, names);
  }
}
