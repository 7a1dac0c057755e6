package io.pagedstream.ingest;

import io.pagedstream.core.OneLine;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of one ingest run: takes lines from a {@link LineSource}, routes each to exactly one
 * record and writes them in chunks. In transactional mode a chunk is one transaction holding its
 * records and a progress record; a failed chunk is aborted as a whole, so a read_committed reader
 * sees every line of a committed chunk once and nothing of the others.
 */
final class IngestRun {

  private static final Logger LOG = LoggerFactory.getLogger(IngestRun.class);
  private static final long IDLE_WAIT_MS = 1_000;
  private static final long LOG_EVERY_NANOS = 30_000_000_000L;

  /** The settled parts of a run, as {@link JsonlIngest} worked them out. */
  record Plan(
      String jobId,
      String transactionalId,
      String source,
      IngestProgress resumeFrom,
      int chunkLines,
      Duration chunkMaxAge,
      String resumeHint) {}

  private final RecordWriter writer;
  private final LineRouter router;
  private final ProgressStore progress;
  private final Plan plan;
  private final Clock clock;
  private final Fingerprint fingerprint = new Fingerprint();
  private final AtomicReference<Exception> sendFailure = new AtomicReference<>();

  private long lastLine;
  private long committedLines;
  private long requests;
  private long errors;
  private long chunks;
  // the open chunk
  private boolean open;
  private long chunkStartNanos;
  private int chunkSize;
  private long chunkRequests;
  private long chunkErrors;
  private long lastLogNanos = System.nanoTime();

  /** {@code progress} is null when the run is not transactional. */
  IngestRun(
      RecordWriter writer, LineRouter router, ProgressStore progress, Plan plan, Clock clock) {
    this.writer = writer;
    this.router = router;
    this.progress = progress;
    this.plan = plan;
    this.clock = clock;
  }

  IngestSummary execute(LineSource lines, long startedNanos) {
    long skip = plan.resumeFrom() == null ? 0 : plan.resumeFrom().lines();
    committedLines = skip;
    try {
      while (true) {
        LineSource.Item item = lines.next(open ? remainingMillis() : IDLE_WAIT_MS);
        if (item == null) {
          if (open && aged()) {
            commit(false);
          }
        } else if (item instanceof LineSource.Failure f) {
          abortQuietly();
          throw new IngestException(
              "cannot read "
                  + plan.source()
                  + " after line "
                  + f.linesRead()
                  + ": "
                  + OneLine.of(f.error())
                  + plan.resumeHint(),
              f.error());
        } else if (item instanceof LineSource.End) {
          break;
        } else {
          LineSource.Line line = (LineSource.Line) item;
          lastLine = line.number();
          fingerprint.add(line.parsed());
          if (line.number() <= skip) {
            router.replay(line.number(), line.parsed());
            if (line.number() == skip) {
              checkResumedPrefix(skip);
            }
          } else {
            write(line);
          }
        }
      }
      if (lastLine < skip) {
        throw new IngestException(
            plan.source()
                + " has "
                + lastLine
                + " lines, but "
                + plan.transactionalId()
                + " already committed "
                + skip
                + ": it is not the input that run"
                + " read; give a new job id to ingest it as a new job");
      }
      commit(true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abortQuietly();
      throw new IngestException("interrupted after line " + lastLine + plan.resumeHint(), e);
    } catch (KafkaException e) {
      abortQuietly();
      Exception cause = sendFailure.get() != null ? sendFailure.get() : e;
      String what =
          lastLine <= committedLines
              ? "the final progress record was not written"
              : transactional()
                  ? "lines " + (committedLines + 1) + "-" + lastLine + " were not written"
                  : "writing lines "
                      + (committedLines + 1)
                      + "-"
                      + lastLine
                      + " failed (some may have been written)";
      throw new IngestException(what + ": " + OneLine.of(cause) + plan.resumeHint(), cause);
    } catch (RuntimeException e) {
      abortQuietly();
      throw e;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - startedNanos);
    return new IngestSummary(
        plan.jobId(),
        plan.transactionalId(),
        plan.source(),
        lastLine,
        requests,
        errors,
        skip,
        chunks,
        elapsed);
  }

  private void write(LineSource.Line line) {
    if (!open) {
      if (transactional()) {
        writer.beginTransaction();
      }
      open = true;
      chunkStartNanos = System.nanoTime();
    }
    Outbound out = router.route(line.number(), line.parsed());
    writer.send(
        out,
        (metadata, e) -> {
          if (e != null) {
            sendFailure.compareAndSet(null, e);
          }
        });
    chunkSize++;
    if (out.isError()) {
      chunkErrors++;
    } else {
      chunkRequests++;
    }
    if (chunkSize >= plan.chunkLines() || aged()) {
      commit(false);
    }
  }

  /**
   * Ends the open chunk (or, with {@code complete}, writes the final progress even if none is
   * open).
   */
  private void commit(boolean complete) {
    if (transactional()) {
      if (!open) {
        writer.beginTransaction();
      }
      progress.write(
          writer,
          new IngestProgress(
              plan.transactionalId(),
              plan.jobId(),
              plan.source(),
              lastLine,
              priorRequests() + requests + chunkRequests,
              priorErrors() + errors + chunkErrors,
              fingerprint.current(),
              complete,
              clock.millis()));
      writer.commitTransaction();
      chunks++;
    } else {
      writer.flush();
      Exception failed = sendFailure.get();
      if (failed != null) {
        throw failed instanceof KafkaException k ? k : new KafkaException(failed);
      }
    }
    requests += chunkRequests;
    errors += chunkErrors;
    committedLines = lastLine;
    open = false;
    chunkSize = 0;
    chunkRequests = 0;
    chunkErrors = 0;
    if (System.nanoTime() - lastLogNanos > LOG_EVERY_NANOS) {
      lastLogNanos = System.nanoTime();
      LOG.info(
          "Job {}: {} lines so far ({} requests, {} error results)",
          plan.jobId(),
          lastLine,
          requests,
          errors);
    }
  }

  private void checkResumedPrefix(long skip) {
    if (!fingerprint.current().equals(plan.resumeFrom().fingerprint())) {
      throw new IngestException(
          "the first "
              + skip
              + " lines of "
              + plan.source()
              + " differ from the ones "
              + plan.transactionalId()
              + " committed: it is not the same input; give a new job id to ingest"
              + " it as a new job");
    }
    LOG.info(
        "Resuming job {} after line {}: the earlier run of {} committed lines 1-{}",
        plan.jobId(),
        skip,
        plan.transactionalId(),
        skip);
  }

  private void abortQuietly() {
    if (!open || !transactional()) {
      return;
    }
    open = false;
    try {
      writer.abortTransaction();
    } catch (RuntimeException e) {
      // fenced or already failed: the coordinator aborts the transaction on its own (timeout or
      // the next initTransactions with this id), and nothing of it was committed
      LOG.debug("Abort after failure did not complete: {}", e.toString());
    }
  }

  private boolean transactional() {
    return progress != null;
  }

  private boolean aged() {
    return System.nanoTime() - chunkStartNanos >= plan.chunkMaxAge().toNanos();
  }

  private long remainingMillis() {
    long nanos = plan.chunkMaxAge().toNanos() - (System.nanoTime() - chunkStartNanos);
    // rounded up, so that the wait does not end a fraction of a millisecond before the age
    return Math.max(0, (nanos + 999_999) / 1_000_000);
  }

  private long priorRequests() {
    return plan.resumeFrom() == null ? 0 : plan.resumeFrom().requests();
  }

  private long priorErrors() {
    return plan.resumeFrom() == null ? 0 : plan.resumeFrom().errors();
  }
}
