package io.pagedstream.ingest;

import io.pagedstream.core.request.ParsedLine;
import io.pagedstream.core.request.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A running SHA-256 over the parsed lines read so far, so that a resumed run can tell whether the
 * lines it is about to skip are the ones the earlier run committed. It hashes what each line means
 * (id, prompt, parameters, or the parse error), not its bytes: the reader only hands out parsed
 * lines, and two inputs that parse the same produce the same records anyway.
 */
final class Fingerprint {

  private final MessageDigest digest;

  Fingerprint() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  void add(ParsedLine line) {
    StringBuilder s = new StringBuilder();
    if (line instanceof ParsedLine.Ok ok) {
      PromptRequest r = ok.request();
      field(s, "ok");
      field(s, r.id());
      field(s, r.jobId());
      field(s, r.prompt());
      field(s, r.promptTokenIds() == null ? null : Arrays.toString(r.promptTokenIds()));
      field(s, r.params().toString());
      if (r.isChat() || r.format().isOpenAi()) {
        // only then, so the fingerprints of native prompt lines stay what earlier versions wrote
        field(s, String.valueOf(r.messages()));
        field(s, r.format().toString());
      }
    } else {
      ParsedLine.Failed f = (ParsedLine.Failed) line;
      field(s, "failed");
      field(s, f.id());
      field(s, f.error());
    }
    digest.update(s.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Length-prefixed, so that no prompt text can make two different lines hash alike. */
  private static void field(StringBuilder s, String value) {
    if (value == null) {
      s.append("-;");
    } else {
      s.append(value.length()).append(':').append(value).append(';');
    }
  }

  /** The hash of everything added so far; adding may go on afterwards. */
  String current() {
    try {
      return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
    }
  }
}
