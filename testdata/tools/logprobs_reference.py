#!/usr/bin/env python3
"""Reference log-probabilities for the golden greedy cases, from the independent numpy Llama forward
pass (shared/peers/hf_llama_ref.py), teacher-forced on each case's expected ids: for every output
position, the float32 log-softmax of the reference logits, the chosen token's value and the top 5.
Usage: logprobs_reference.py HF_LLAMA_REF_DIR MODEL_DIR GOLDEN_JSON TOKENS > out.json
"""
import json, sys
import numpy as np

sys.path.insert(0, sys.argv[1])
import hf_llama_ref as ref

cfg, w = ref.load(sys.argv[2])
golden = json.load(open(sys.argv[3]))
tokens = int(sys.argv[4])
cases = []
for c in golden['cases']:
    prompt, expected = c['prompt_token_ids'], c['expected_token_ids'][:tokens]
    logits = ref.forward(cfg, w, prompt + expected[:-1])[len(prompt) - 1:].astype(np.float32)
    m = logits.max(-1, keepdims=True)
    ls = (logits - m) - np.log(np.sum(np.exp(logits - m), -1, keepdims=True, dtype=np.float32))
    ls = ls.astype(np.float32)
    top = np.argsort(-ls, -1, kind='stable')[:, :5]
    cases.append({
        'name': c['name'],
        'prompt_token_ids': prompt,
        'expected_token_ids': expected,
        'chosen_logprobs': [float(ls[i, t]) for i, t in enumerate(expected)],
        'top5_token_ids': top.tolist(),
        'top5_logprobs': [[float(ls[i, t]) for t in row] for i, row in enumerate(top)],
    })
json.dump({'model': golden['model'], 'dtype': 'float32',
           'how_made': 'testdata/tools/logprobs_reference.py: float32 log-softmax of the numpy reference '
                       'forward pass (hf_llama_ref.py) teacher-forced on the golden expected ids',
           'cases': cases}, sys.stdout, indent=1)
