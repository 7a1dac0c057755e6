package io.pagedstream.app;

import io.pagedstream.core.request.GenerationResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Where a job's result lines go: every line to the output (stdout for {@code -}), and with {@code
 * --errors} the failed ones to an errors file too, as OpenAI's batch API hands back an error file
 * beside the output file. Lines are written in the order they are given.
 */
final class ResultFiles implements Consumer<GenerationResult>, AutoCloseable {

  private final Writer out;
  private final Writer errors;

  private ResultFiles(Writer out, Writer errors) {
    this.out = out;
    this.errors = errors;
  }

  /** {@code errorsFile} may be null: no errors file. */
  static ResultFiles open(String output, Path errorsFile) throws IOException {
    Writer out =
        output.equals("-")
            ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
            : Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8);
    try {
      return new ResultFiles(
          out,
          errorsFile == null ? null : Files.newBufferedWriter(errorsFile, StandardCharsets.UTF_8));
    } catch (IOException e) {
      out.close();
      throw e;
    }
  }

  @Override
  public void accept(GenerationResult r) {
    try {
      String line = r.toJsonLine();
      out.write(line);
      out.write('\n');
      if (errors != null && r.isError()) {
        errors.write(line);
        errors.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void flush() throws IOException {
    out.flush();
    if (errors != null) {
      errors.flush();
    }
  }

  @Override
  public void close() throws IOException {
    try (Writer o = out;
        Writer e = errors) {
      flush();
    }
  }
}
