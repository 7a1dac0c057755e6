#!/usr/bin/env python3
"""Renders every template of models.json with every conversation of conversations.json through
Python's jinja2, set up as Hugging Face transformers sets it up for apply_chat_template
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, raise_exception,
strftime_now, transformers' tojson), and prints the renderings as JSON:
{template: {conversation: {"text": ...} | {"error": ...}}}.

This is the independent renderer ChatTemplate's renderings are compared with; its output at the
time of writing is expected-renderings.json. Content given as text parts is flattened exactly as
ChatTemplate does (parts joined with a newline) unless the template iterates over the content.
Usage: python3 render_reference.py [DIR]   (DIR defaults to this file's folder)
"""
import datetime
import json
import os
import re
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

# the date ChatTemplateTest fixes for strftime_now (Llama 3.x writes "Today Date: ...")
FIXED_NOW = datetime.datetime(2026, 1, 15, 9, 30, 0)
ITERATES_CONTENT = re.compile(r"for\s+\w+\s+in\s+\w+\s*(\.\s*content\b|\[\s*['\"]content['\"]\s*\])")


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def messages_for(template, conversation):
    parts_wanted = ITERATES_CONTENT.search(template) is not None
    out = []
    for m in conversation:
        content = m["content"]
        if isinstance(content, list) and not parts_wanted:
            content = "\n".join(p["text"] for p in content)
        elif isinstance(content, str) and parts_wanted:
            content = [{"type": "text", "text": content}]
        out.append({"role": m["role"], "content": content})
    return out


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "models.json"), encoding="utf-8") as f:
        models = json.load(f)
    with open(os.path.join(here, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)
    env = environment()
    result = {}
    for name, tokens in models.items():
        with open(os.path.join(here, name), encoding="utf-8", newline="") as f:
            source = f.read()
        compiled = env.from_string(source)
        special = {k: v for k, v in tokens.items() if v is not None}
        result[name] = {}
        for conv_name, conversation in conversations.items():
            try:
                text = compiled.render(messages=messages_for(source, conversation),
                                       add_generation_prompt=True, **special)
                result[name][conv_name] = {"text": text}
            except jinja2.exceptions.TemplateError as e:
                result[name][conv_name] = {"error": str(e)}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
