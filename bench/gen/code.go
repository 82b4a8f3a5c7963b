package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// stdImport is a standard-library import and the names it binds.
type stdImport struct {
	stmt  string
	binds []string
}

var stdImports = []stdImport{
	{"import os", []string{"os"}},
	{"import os.path as osp", []string{"osp"}},
	{"import re", []string{"re"}},
	{"import json", []string{"json"}},
	{"import math", []string{"math"}},
	{"import logging", []string{"logging"}},
	{"import itertools", []string{"itertools"}},
	{"import warnings", []string{"warnings"}},
	{"import sys", []string{"sys"}},
	{"import io", []string{"io"}},
	{"import time", []string{"time"}},
	{"import copy", []string{"copy"}},
	{"import enum", []string{"enum"}},
	{"import abc", []string{"abc"}},
	{"import contextlib", []string{"contextlib"}},
	{"import threading", []string{"threading"}},
	{"import collections.abc", []string{"collections"}},
	{"import importlib", []string{"importlib"}},
	{"import inspect", []string{"inspect"}},
	{"import random", []string{"random"}},
	{"import hashlib", []string{"hashlib"}},
	{"import struct", []string{"struct"}},
	{"import pickle", []string{"pickle"}},
	{"import weakref", []string{"weakref"}},
	{"import operator", []string{"operator"}},
	{"import string", []string{"string"}},
	{"import textwrap", []string{"textwrap"}},
	{"import numbers", []string{"numbers"}},
	{"import tempfile", []string{"tempfile"}},
	{"import shutil", []string{"shutil"}},
	{"import argparse", []string{"argparse"}},
	{"import datetime", []string{"datetime"}},
	{"import uuid", []string{"uuid"}},
	{"import base64", []string{"base64"}},
	{"import bisect", []string{"bisect"}},
	{"import heapq", []string{"heapq"}},
	{"import queue", []string{"queue"}},
	{"import dataclasses", []string{"dataclasses"}},
	{"import functools", []string{"functools"}},
	{"import typing as t", []string{"t"}},
	{"import urllib.parse", []string{"urllib"}},
	{"from pathlib import Path", []string{"Path"}},
	{"from collections import OrderedDict, defaultdict", []string{"OrderedDict", "defaultdict"}},
	{"from collections import namedtuple", []string{"namedtuple"}},
	{"from dataclasses import dataclass, field", []string{"dataclass", "field"}},
	{"from typing import Any, Dict, List, Optional, Tuple, Union", []string{"Any", "Dict", "List", "Optional", "Tuple", "Union"}},
	{"from typing import Callable, Iterable, Iterator, Sequence", []string{"Callable", "Iterable", "Iterator", "Sequence"}},
	{"from functools import lru_cache, partial, wraps", []string{"lru_cache", "partial", "wraps"}},
	{"from enum import Enum, IntEnum", []string{"Enum", "IntEnum"}},
	{"from abc import ABC, abstractmethod", []string{"ABC", "abstractmethod"}},
	{"from contextlib import contextmanager", []string{"contextmanager"}},
	{"from concurrent.futures import ThreadPoolExecutor", []string{"ThreadPoolExecutor"}},
	{"from itertools import chain, product", []string{"chain", "product"}},
	{"from os.path import join, exists", []string{"join", "exists"}},
	{"import xml.etree.ElementTree as ET", []string{"ET"}},
	{"import gzip", []string{"gzip"}},
	{"import zipfile", []string{"zipfile"}},
	{"import csv", []string{"csv"}},
	{"import subprocess", []string{"subprocess"}},
}

var torchImports = []stdImport{
	{"import torch", []string{"torch"}},
	{"import torch.nn as nn", []string{"nn"}},
	{"import torch.nn.functional as F", []string{"F"}},
	{"from torch import nn", []string{"nn"}},
	{"from torch import Tensor", []string{"Tensor"}},
	{"from torch.utils.data import Dataset, DataLoader", []string{"Dataset", "DataLoader"}},
	{"import torch.distributed as dist", []string{"dist"}},
	{"from torch.nn import functional as F", []string{"F"}},
}

// optionalDeps are third-party modules imported inside try/except
// ImportError. None is installed with Debian's python3-torch; the manifest
// externs them all the same, as a project would.
var optionalDeps = []struct{ module, alias string }{
	{"ujson", "_json"}, {"orjson", "_fastjson"}, {"simplejson", "_sjson"}, {"msgpack", "_msgpack"},
	{"lz4.frame", "_lz4"}, {"zstandard", "_zstd"}, {"cloudpickle", "_cloudpickle"},
	{"tensorboardX", "_tbx"}, {"wandb", "_wandb"}, {"apex.amp", "_amp"}, {"triton", "_triton"},
	{"xformers.ops", "_xops"}, {"onnxruntime", "_ort"}, {"numba", "_numba"},
}

// optionalGlobs returns the extern patterns of optionalDeps: "top.**" for
// each top-level name (which matches the top-level module too).
func optionalGlobs() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range optionalDeps {
		top := strings.SplitN(d.module, ".", 2)[0]
		if !seen[top] {
			seen[top] = true
			out = append(out, top+".**")
		}
	}
	return out
}

var sentences = []string{
	"This module is part of the generated benchmark tree and mirrors the layout of a real project.",
	"The helpers below are kept small on purpose so that callers can compose them.",
	"Shapes follow the (batch, channels, height, width) convention unless stated otherwise.",
	"All functions are pure unless they take a ``state`` argument, which they update in place.",
	"Configuration objects are plain data classes and can be serialized to JSON.",
	"Backwards compatibility is kept for two minor releases before anything is removed.",
	"The implementation trades a little memory for fewer passes over the input.",
	"Errors are raised early, with the offending value in the message.",
	"See the package documentation for an overview of how the pieces fit together.",
	"Thread safety: instances are not safe to share between threads without a lock.",
}

type writer struct {
	b strings.Builder
	r *rand.Rand
}

func (w *writer) p(format string, args ...any) {
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

func (w *writer) pick(list []string) string { return list[w.r.IntN(len(list))] }

func (w *writer) chance(p float64) bool { return w.r.Float64() < p }

// source returns the text of module i.
func (t *tree) source(i int) []byte {
	m := &t.mods[i]
	w := &writer{r: t.rng(i, 3)}
	if m.isPkg && m.size < 250 {
		// A near-empty __init__: a docstring, sometimes nothing at all.
		if w.chance(0.3) {
			return nil
		}
		w.p(`"""%s package."""`, strings.ToUpper(m.short[:1])+m.short[1:])
		return []byte(w.b.String())
	}
	t.docstring(w, i)
	if w.chance(0.3) {
		w.p("from __future__ import annotations")
		w.p("")
	}
	ctx := t.imports(w, i)
	w.p("")
	t.body(w, i, ctx)
	return []byte(w.b.String())
}

func (t *tree) docstring(w *writer, i int) {
	m := &t.mods[i]
	w.p(`"""%s utilities for %s.`, strings.ToUpper(m.short[:1])+strings.TrimLeft(m.short[1:], "_"), m.name)
	w.p("")
	n := 1 + w.r.IntN(4)
	for j := 0; j < n; j++ {
		w.p("%s", w.pick(sentences))
	}
	if w.chance(0.25) && !m.isPkg && len(m.classes) > 0 {
		// A doctest: an import inside a string, which no packager follows.
		w.p("")
		w.p("Example::")
		w.p("")
		w.p("    >>> from %s import %s", m.name, m.classes[0])
		w.p("    >>> obj = %s()", m.classes[0])
	}
	w.p(`"""`)
}

// importCtx is what a module's top-level imports bound, for the body.
type importCtx struct {
	self    int      // the module being written
	names   []string // modules and objects usable in function bodies
	classes []string // imported classes usable as bases at top level
	hasNN   bool     // nn is torch.nn
	logging bool
	lazy    []int // targets of imports inside functions
}

// imports writes the module's import block.
func (t *tree) imports(w *writer, i int) *importCtx {
	m := &t.mods[i]
	ctx := &importCtx{self: i}
	// Standard library: 0 to ~10, most modules a handful.
	nstd := int(lognormal(w.r, 1.1, 0.7))
	if nstd > 10 {
		nstd = 10
	}
	seen := map[int]bool{}
	for j := 0; j < nstd; j++ {
		k := w.r.IntN(len(stdImports))
		if seen[k] {
			continue
		}
		seen[k] = true
		w.p("%s", stdImports[k].stmt)
		ctx.names = append(ctx.names, stdImports[k].binds...)
		if stdImports[k].stmt == "import logging" {
			ctx.logging = true
		}
	}
	if w.chance(0.4) {
		w.p("")
		n := 1 + w.r.IntN(3)
		seen := map[int]bool{}
		for j := 0; j < n; j++ {
			k := w.r.IntN(len(torchImports))
			if seen[k] {
				continue
			}
			seen[k] = true
			w.p("%s", torchImports[k].stmt)
			ctx.names = append(ctx.names, torchImports[k].binds...)
			if strings.Contains(torchImports[k].stmt, "nn") && !strings.Contains(torchImports[k].stmt, "functional") {
				ctx.hasNN = true
			}
		}
	}
	// The project's own modules. Top-level imports only reach modules
	// earlier in post order (see pickEarlier), which keeps the tree
	// importable by CPython; ring members import only their ring.
	w.p("")
	if m.cyclic {
		for _, c := range m.cycle {
			w.p("import %s  # circular, resolved at call time", t.mods[c].name)
		}
	} else {
		nint := int(lognormal(w.r, 1.0, 0.8))
		if m.isPkg {
			nint += len(m.children) / 3
		}
		if nint > 14 {
			nint = 14
		}
		done := map[int]bool{}
		for j := 0; j < nint; j++ {
			target := t.pickEarlier(w.r, i)
			if target < 0 || done[target] {
				continue
			}
			done[target] = true
			opt := w.chance(0.05)
			if opt {
				w.p("try:")
			}
			stmt, binds, cls := t.importStmt(w, i, target)
			if opt {
				w.p("    %s", stmt)
				w.p("except ImportError:  # optional component")
				for _, b := range binds {
					w.p("    %s = None", b)
				}
			} else {
				w.p("%s", stmt)
				ctx.classes = append(ctx.classes, cls...)
			}
			ctx.names = append(ctx.names, binds...)
		}
	}
	// Optional third-party speed-ups.
	if w.chance(0.12) {
		d := optionalDeps[w.r.IntN(len(optionalDeps))]
		w.p("")
		w.p("try:")
		w.p("    import %s as %s", d.module, d.alias)
		w.p("except ImportError:  # optional dependency")
		w.p("    %s = None", d.alias)
		ctx.names = append(ctx.names, d.alias)
	}
	// Imports only for type checkers: any module, never run.
	if w.chance(0.08) {
		target := w.r.IntN(len(t.mods))
		if target != i {
			w.p("")
			w.p("from typing import TYPE_CHECKING")
			w.p("")
			w.p("if TYPE_CHECKING:")
			stmt, _, _ := t.importStmt(w, i, target)
			w.p("    %s", stmt)
		}
	}
	// Imports inside functions: any module, later or earlier; these make
	// most of the project's import cycles, as in real code.
	nlazy := 0
	if w.chance(0.3) {
		nlazy = 1 + w.r.IntN(3)
	}
	for j := 0; j < nlazy; j++ {
		target := t.pickNear(w.r, i)
		if target >= 0 && target != i {
			ctx.lazy = append(ctx.lazy, target)
		}
	}
	return ctx
}

// pickEarlier picks a module that module i may import at top level: one
// earlier in post order, which is never i's ancestor (ancestors come after
// their subtree). Choices are local first: siblings, then cousins, then
// anywhere, as real imports are. An __init__ mostly imports its children.
func (t *tree) pickEarlier(r *rand.Rand, i int) int {
	m := &t.mods[i]
	if m.isPkg && len(m.children) > 0 && r.Float64() < 0.7 {
		c := m.children[r.IntN(len(m.children))]
		return c
	}
	scope := t.pkgOf(i)
	if m.isPkg {
		scope = m.parent
	}
	for scope >= 0 && r.Float64() < 0.45 {
		scope = t.mods[scope].parent
	}
	lo, hi := 0, i-1
	if scope >= 0 {
		lo = t.mods[scope].lo
	}
	if hi < lo {
		// Nothing earlier in the scope: try the whole project.
		lo = 0
	}
	if hi < lo {
		return -1
	}
	return lo + r.IntN(hi-lo+1)
}

// pickNear picks any module near i, for imports that do not run at import
// time.
func (t *tree) pickNear(r *rand.Rand, i int) int {
	scope := t.pkgOf(i)
	for scope >= 0 && r.Float64() < 0.5 {
		scope = t.mods[scope].parent
	}
	if scope < 0 {
		return r.IntN(len(t.mods))
	}
	lo, hi := t.mods[scope].lo, scope
	return lo + r.IntN(hi-lo+1)
}

// importStmt spells an import of target from module i the ways real code
// does: relative when near, absolute otherwise, sometimes a name from the
// module rather than the module. It returns the statement, the names it
// binds and which of them are classes.
func (t *tree) importStmt(w *writer, i, target int) (string, []string, []string) {
	tm := &t.mods[target]
	base := t.pkgOf(i)
	tp := tm.parent
	name := ""
	isClass := false
	if !tm.isPkg && (len(tm.classes) > 0 || len(tm.funcs) > 0) && w.chance(0.35) {
		if len(tm.classes) > 0 && (len(tm.funcs) == 0 || w.chance(0.6)) {
			name = tm.classes[w.r.IntN(len(tm.classes))]
			isClass = true
		} else {
			name = tm.funcs[w.r.IntN(len(tm.funcs))]
		}
	}
	// Relative spelling, when the target is near.
	if tp >= 0 && w.chance(0.55) {
		rel := ""
		switch {
		case tp == base:
			rel = "."
		case base >= 0 && tp == t.mods[base].parent:
			rel = ".."
		case base >= 0 && t.mods[base].parent >= 0 && t.mods[tp].parent == t.mods[base].parent:
			rel = ".." + t.mods[tp].short
		}
		if rel != "" {
			if name != "" {
				sep := "."
				if strings.HasSuffix(rel, ".") {
					sep = ""
				}
				return fmt.Sprintf("from %s%s%s import %s", rel, sep, tm.short, name), []string{name}, classIf(isClass, name)
			}
			return fmt.Sprintf("from %s import %s", rel, tm.short), []string{tm.short}, nil
		}
	}
	if name != "" {
		return fmt.Sprintf("from %s import %s", tm.name, name), []string{name}, classIf(isClass, name)
	}
	switch x := w.r.IntN(10); {
	case x < 4 || tp < 0:
		return "import " + tm.name, []string{strings.SplitN(tm.name, ".", 2)[0]}, nil
	case x < 6:
		alias := tm.short + "_mod"
		return fmt.Sprintf("import %s as %s", tm.name, alias), []string{alias}, nil
	default:
		return fmt.Sprintf("from %s import %s", t.mods[tp].name, tm.short), []string{tm.short}, nil
	}
}

func classIf(ok bool, name string) []string {
	if ok {
		return []string{name}
	}
	return nil
}

// body writes definitions until the file reaches its drawn size: first
// the module's public classes and functions, then private helpers.
func (t *tree) body(w *writer, i int, ctx *importCtx) {
	m := &t.mods[i]
	if ctx.logging {
		w.p("logger = logging.getLogger(__name__)")
		w.p("")
	}
	if len(m.classes)+len(m.funcs) > 0 {
		var all []string
		all = append(all, m.classes...)
		all = append(all, m.funcs...)
		w.p("__all__ = [%s]", quoteList(all))
		w.p("")
	}
	w.p("%s = %d", strings.ToUpper(w.pick(nounWords))+"_VERSION", 1+w.r.IntN(9))
	w.p("_DEFAULT_%s = %q", strings.ToUpper(w.pick(nounWords)), w.pick(nounWords))
	w.p("")
	registry := false
	if w.chance(0.15) {
		registry = true
		w.p("_REGISTRY = {}")
		w.p("")
		w.p("")
		w.p("def register(cls):")
		w.p(`    """Record cls under its name so that configs can refer to it."""`)
		w.p("    _REGISTRY[cls.__name__] = cls")
		w.p("    return cls")
		w.p("")
	}
	lazy := ctx.lazy
	nextLazy := func() (int, bool) {
		if len(lazy) == 0 {
			return 0, false
		}
		x := lazy[0]
		lazy = lazy[1:]
		return x, true
	}
	for _, c := range m.classes {
		t.class(w, i, c, ctx, registry, nextLazy)
	}
	for _, f := range m.funcs {
		t.function(w, i, f, ctx, nextLazy)
	}
	for n := 0; w.b.Len() < m.size || len(lazy) > 0; n++ {
		if w.chance(0.35) {
			t.class(w, i, fmt.Sprintf("_%s%s%d", w.pick(adjWords), w.pick(classWords), n), ctx, false, nextLazy)
		} else {
			t.function(w, i, fmt.Sprintf("_%s_%s_%d", w.pick(verbWords), w.pick(nounWords), n), ctx, nextLazy)
		}
	}
	if !m.isPkg && w.chance(0.05) {
		w.p("")
		w.p(`if __name__ == "__main__":`)
		w.p("    import doctest")
		w.p("")
		w.p("    doctest.testmod()")
	}
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func (t *tree) class(w *writer, i int, name string, ctx *importCtx, registry bool, nextLazy func() (int, bool)) {
	w.p("")
	base := "object"
	switch {
	case len(ctx.classes) > 0 && w.chance(0.3):
		base = ctx.classes[w.r.IntN(len(ctx.classes))]
	case ctx.hasNN && w.chance(0.5):
		base = "nn.Module"
	}
	if registry {
		w.p("@register")
	}
	w.p("class %s(%s):", name, base)
	w.p(`    """%s`, w.pick(sentences))
	w.p("")
	w.p("    Args:")
	args := t.args(w)
	for _, a := range args {
		w.p("        %s: the %s to use.", a, a)
	}
	w.p(`    """`)
	w.p("")
	w.p("    %s = %d", strings.ToUpper(w.pick(nounWords)), w.r.IntN(1024))
	w.p("")
	w.p("    def __init__(self, %s=None):", strings.Join(args, "=None, "))
	for _, a := range args {
		w.p("        self.%s = %s", a, a)
	}
	nm := 1 + w.r.IntN(4)
	for j := 0; j < nm; j++ {
		w.p("")
		switch w.r.IntN(6) {
		case 0:
			w.p("    @property")
			w.p("    def %s(self):", w.pick(nounWords)+"_"+fmt.Sprint(j))
			w.p("        return self.%s", args[0])
		case 1:
			w.p("    @classmethod")
			w.p("    def from_%s(cls, %s):", w.pick(nounWords), args[0])
			w.p("        return cls(%s)", args[0])
		default:
			w.p("    def %s_%s(self, %s):", w.pick(verbWords), w.pick(nounWords), strings.Join(t.args(w), ", "))
			t.statements(w, 2, ctx, nextLazy)
		}
	}
	w.p("")
}

func (t *tree) function(w *writer, i int, name string, ctx *importCtx, nextLazy func() (int, bool)) {
	w.p("")
	args := t.args(w)
	w.p("def %s(%s):", name, strings.Join(args, ", "))
	w.p(`    """%s"""`, w.pick(sentences))
	t.statements(w, 1, ctx, nextLazy)
	w.p("")
}

func (t *tree) args(w *writer) []string {
	n := 1 + w.r.IntN(3)
	seen := map[string]bool{}
	var out []string
	for j := 0; j < n; j++ {
		a := w.pick(nounWords)
		if seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

// statements writes a plausible function body at the given indent level.
// The body never runs at import time, so it may name anything.
func (t *tree) statements(w *writer, level int, ctx *importCtx, nextLazy func() (int, bool)) {
	in := strings.Repeat("    ", level)
	if target, ok := nextLazy(); ok {
		stmt, binds, _ := t.importStmt(w, ctx.self, target)
		w.p("%s%s  # deferred: avoids an import cycle", in, stmt)
		w.p("%sresult = %s", in, binds[0])
	} else {
		w.p("%sresult = []", in)
	}
	n := 1 + w.r.IntN(5)
	for j := 0; j < n; j++ {
		v := w.pick(nounWords)
		switch w.r.IntN(7) {
		case 0:
			w.p("%sfor i, item in enumerate(%s or ()):", in, v)
			w.p("%s    if i %% %d == 0:", in, 2+w.r.IntN(5))
			w.p("%s        result.append(item)", in)
		case 1:
			w.p("%sif %s is None:", in, v)
			w.p("%s    raise ValueError(%q)", in, v+" must be given")
		case 2:
			if len(ctx.names) > 0 {
				w.p("%s%s = %s.%s(%s)", in, v, w.pick(ctx.names), w.pick(verbWords), w.pick(nounWords))
			} else {
				w.p("%s%s = dict(%s=%d)", in, v, w.pick(nounWords), w.r.IntN(100))
			}
		case 3:
			w.p("%s# %s", in, w.pick(sentences))
			w.p("%s%s = [x * %d for x in range(%d)]", in, v, 1+w.r.IntN(8), 2+w.r.IntN(30))
		case 4:
			w.p("%stry:", in)
			w.p("%s    %s = int(%s)", in, v, v)
			w.p("%sexcept (TypeError, ValueError):", in)
			w.p("%s    %s = %d", in, v, w.r.IntN(10))
		case 5:
			w.p("%swith open(%s, %q) as fh:", in, v, "rb")
			w.p("%s    data = fh.read()", in)
		default:
			w.p("%s%s = {k: v for k, v in sorted((%s or {}).items())}", in, v, v)
		}
	}
	w.p("%sreturn result", in)
}
