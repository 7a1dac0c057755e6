package io.pagedstream.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.core.request.FinishReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the JSONL sink's output: every {@code <dir>/<job>/part-*.jsonl} (the sink's own state under
 * {@code .pagedstream/} is not output). Only whole lines count, since the sink may be appending
 * while we read.
 */
final class SinkFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SinkFiles() {}

  /** A ledger of every result line in the files, by id. */
  static AnswerLedger read(Path dir) {
    AnswerLedger ledger = new AnswerLedger();
    if (!Files.isDirectory(dir)) {
      return ledger;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> files =
          walk.filter(
                  f ->
                      f.getFileName().toString().startsWith("part-")
                          && f.getFileName().toString().endsWith(".jsonl")
                          && !dir.relativize(f).startsWith(".pagedstream"))
              .sorted()
              .toList();
      for (Path f : files) {
        String content = Files.readString(f, StandardCharsets.UTF_8);
        for (String line : content.substring(0, content.lastIndexOf('\n') + 1).lines().toList()) {
          JsonNode n = JSON.readTree(line);
          boolean error = FinishReason.isError(n.path("finish_reason").asText());
          ledger.add(
              n.path("id").asText(),
              new AnswerLedger.Answer(error, error ? n.path("error").asText() : null));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the sink's files in " + dir + ": " + e.getMessage(), e);
    }
    return ledger;
  }
}
