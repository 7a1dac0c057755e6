package io.pagedstream.chaos;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks what came out against what went in. The committed completions topic is the source of truth
 * (it is what the pipeline promises: exactly one completion per request, read_committed); the
 * sink's files are checked the same way, since they must say the same. An id is lost when either
 * source lacks it, duplicated when either holds it more than once.
 *
 * @param expected ids that must each get exactly one result: the valid requests and the bad inputs
 *     answered by an error result
 * @param results expected ids with a result in the topic
 * @param lostInTopic expected ids without a result in the topic
 * @param lostInFiles expected ids without a line in the sink's files
 * @param duplicatedInTopic ids with more than one completion in the topic
 * @param duplicatedInFiles ids with more than one line in the files
 * @param duplicatedDeadLetters inputs dead-lettered more than once on llm.dead-letter, which the
 *     batcher and the processors write in their transactions: exactly once, like completions
 * @param sinkDeadLetterRepeats inputs the Connect sink dead-lettered more than once. Not counted as
 *     duplicated: Connect writes its dead-letter queue at least once (a worker killed after sending
 *     a record there and before committing past it sends it again on restart), and it holds no
 *     results
 * @param lost ids lost in the topic or the files
 * @param duplicated ids duplicated anywhere
 * @param errorResults expected ids whose result is an error
 * @param badInputs bad inputs sent
 * @param badInputsAnswered bad inputs answered as their case says (error result or dead letter)
 * @param goodAnsweredWithError valid requests whose result is an error
 * @param unexpectedMessages bad inputs answered with a message lacking the case's fragment
 * @param examples a few of the ids behind the non-zero counts, for the human summary
 */
public record Reconciliation(
    int expected,
    int results,
    int lostInTopic,
    int lostInFiles,
    int duplicatedInTopic,
    int duplicatedInFiles,
    int duplicatedDeadLetters,
    int sinkDeadLetterRepeats,
    int lost,
    int duplicated,
    int errorResults,
    int badInputs,
    int badInputsAnswered,
    int goodAnsweredWithError,
    int unexpectedMessages,
    List<String> examples) {

  private static final int EXAMPLES = 8;

  /** True when nothing was lost, duplicated, left unanswered or answered wrongly. */
  public boolean clean() {
    return lost == 0
        && duplicated == 0
        && badInputsAnswered == badInputs
        && goodAnsweredWithError == 0;
  }

  static Reconciliation of(ChaosWorkload workload, AnswerReader topics, AnswerLedger files) {
    List<String> examples = new ArrayList<>();
    Set<String> lost = new LinkedHashSet<>();
    Set<String> duplicated = new LinkedHashSet<>();
    int expected = 0;
    int results = 0;
    int lostInTopic = 0;
    int lostInFiles = 0;
    int dupTopic = 0;
    int dupFiles = 0;
    int dupDead = 0;
    int sinkRepeats = 0;
    int errorResults = 0;
    int goodWithError = 0;
    int answered = 0;
    int unexpected = 0;
    for (String id : workload.goodIds()) {
      expected++;
      List<AnswerLedger.Answer> got = topics.completions.answers(id);
      results += got.isEmpty() ? 0 : 1;
      if (got.stream().anyMatch(AnswerLedger.Answer::error)) {
        errorResults++;
        goodWithError++;
        example(examples, "valid request " + id + " answered with an error: " + firstError(got));
      }
    }
    for (ChaosWorkload.PlannedInput in : workload.bad()) {
      BadInputCase c = in.badCase();
      List<AnswerLedger.Answer> got =
          switch (c.answer()) {
            case ERROR -> topics.completions.answers(in.id());
            case DEAD_LETTER -> topics.deadLetters.answers(in.id());
            case SINK_DEAD_LETTER -> topics.sinkDeadLetters.answers(in.id());
          };
      if (c.answer() == BadInputCase.Answer.ERROR) {
        expected++;
        results += got.isEmpty() ? 0 : 1;
        errorResults += got.stream().anyMatch(AnswerLedger.Answer::error) ? 1 : 0;
      } else if (got.size() > 1 && c.answer() == BadInputCase.Answer.SINK_DEAD_LETTER) {
        sinkRepeats++;
      } else if (got.size() > 1) {
        dupDead++;
        duplicated.add(in.id());
        example(
            examples, c.name() + " input " + in.id() + " dead-lettered " + got.size() + " times");
      }
      if (!got.isEmpty() && got.stream().allMatch(AnswerLedger.Answer::error)) {
        answered++;
        String message = got.get(0).message();
        if (message == null || !message.contains(c.expect())) {
          unexpected++;
          example(
              examples,
              c.name()
                  + " input "
                  + in.id()
                  + " answered with \""
                  + message
                  + "\", expected \""
                  + c.expect()
                  + "\"");
        }
      } else {
        example(
            examples,
            c.name()
                + " input "
                + in.id()
                + " not answered as "
                + c.answer()
                + " (got "
                + got
                + ")");
      }
    }
    for (String id : expectedIds(workload)) {
      int inTopic = topics.completions.count(id);
      int inFiles = files.count(id);
      if (inTopic == 0) {
        lostInTopic++;
        lost.add(id);
      }
      if (inFiles == 0) {
        lostInFiles++;
        lost.add(id);
      }
      if (inTopic > 1) {
        dupTopic++;
        duplicated.add(id);
      }
      if (inFiles > 1) {
        dupFiles++;
        duplicated.add(id);
      }
      if (inTopic != 1 || inFiles != 1) {
        example(
            examples,
            id
                + ": "
                + inTopic
                + " completion(s) in the topic, "
                + inFiles
                + " line(s) in the files");
      }
    }
    return new Reconciliation(
        expected,
        results,
        lostInTopic,
        lostInFiles,
        dupTopic,
        dupFiles,
        dupDead,
        sinkRepeats,
        lost.size(),
        duplicated.size(),
        errorResults,
        workload.bad().size(),
        answered,
        goodWithError,
        unexpected,
        List.copyOf(examples));
  }

  /**
   * The ids that must each have exactly one result: valid requests and error-answered bad inputs.
   */
  static List<String> expectedIds(ChaosWorkload workload) {
    List<String> ids = new ArrayList<>(workload.goodIds());
    for (ChaosWorkload.PlannedInput in : workload.bad()) {
      if (in.badCase().answer() == BadInputCase.Answer.ERROR) {
        ids.add(in.id());
      }
    }
    return ids;
  }

  private static String firstError(List<AnswerLedger.Answer> got) {
    return got.stream()
        .filter(AnswerLedger.Answer::error)
        .map(AnswerLedger.Answer::message)
        .findFirst()
        .orElse("");
  }

  private static void example(List<String> examples, String what) {
    if (examples.size() < EXAMPLES) {
      examples.add(what);
    }
  }
}
