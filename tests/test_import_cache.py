"""``vrest rest FILE`` from the cache: after the first call, the file is hashed and its generated module and
resting-state problem are loaded; the answer is the one the engine gives on the file's equations through
sympy.lambdify (derive.rest.find_resting_states), and a changed file or a damaged entry is read again."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from conftest import run_cli
from test_import_rest import MODELS, _read
from vrest.codegen.cli.rest_cmd import resting_report
from vrest.codegen.simulation import imported
from vrest.derive.errors import ModelWarning
from vrest.derive.rest import DEFAULT_RANGE, find_resting_states


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("VREST_CACHE_DIR", str(folder))
    return folder


def _same(a, b, rel: float = 0.0) -> None:
    assert a.verdict == b.verdict and len(a.resting_states) == len(b.resting_states)
    for x, y in zip(a.resting_states, b.resting_states):
        assert x.stable == y.stable and x.V == pytest.approx(y.V, rel=rel, abs=0)
        for name, value in x.states.items():
            assert y.states[name] == pytest.approx(value, rel=max(rel, 1e-15), abs=1e-300)
    assert [c.value for c in a.conserved] == pytest.approx([c.value for c in b.conserved], rel=max(rel, 1e-15))


def _reading_fails(monkeypatch) -> list:
    """Make every read of a model file fail; the list collects the paths read."""
    calls = []

    def fail(path, **_):
        calls.append(path)
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr("vrest.derive.rest.loader.SYSTEM_READERS", {".cellml": fail, ".xml": fail, ".sbml": fail})
    return calls


def test_a_warm_call_reads_no_file_and_gives_the_same_answer(cache, monkeypatch):
    path = str(MODELS / "luo_rudy_1991.cellml")
    first = resting_report(path, DEFAULT_RANGE)
    _reading_fails(monkeypatch)
    _same(first, resting_report(path, DEFAULT_RANGE))
    (entry,) = (cache / "imported").iterdir()
    assert sorted(p.name for p in entry.iterdir()) == ["numeric.py", "numeric.so", "plan.json"]


# Models whose rates have the rapid-buffering factor and conserve charge (ten Tusscher, Courtemanche, O'Hara-Rudy:
# where they rest is checked against a long run of Myokit's reading of the file in test_import_rest) among them.
@pytest.mark.parametrize("name", ["luo_rudy_1991.cellml", "ten_tusscher_model_2006_epi.cellml",
                                  "courtemanche_ramirez_nattel_1998.cellml", "ohara_rudy_2011_endo.cellml",
                                  "BIOMD0000000020.xml"])
def test_the_compiled_module_rests_where_the_lambdified_equations_do(cache, name):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", ModelWarning)
        compiled = resting_report(str(MODELS / name), DEFAULT_RANGE)
        lambdified = find_resting_states(_read(MODELS / name))
    # O'Hara-Rudy (2011) subtracts 0.341 [m^3/mol] * cao from a concentration: said from the cache as from the file
    units = [w for w in said if "units do not agree in the file's equations" in str(w.message)]
    assert bool(units) == name.startswith("ohara")
    assert compiled.verdict.startswith("one stable resting state")
    _same(compiled, lambdified, rel=1e-9)


def test_a_changed_file_is_read_again(cache, tmp_path, monkeypatch):
    path = tmp_path / "lr.cellml"
    shutil.copyfile(MODELS / "luo_rudy_1991.cellml", path)
    before = resting_report(str(path), DEFAULT_RANGE)
    text = path.read_text(encoding="utf-8")
    assert text.count('<variable name="g_K1_max" units="milliS_per_cm2" initial_value="0.6047"') == 1
    path.write_text(text.replace('initial_value="0.6047"', 'initial_value="0.5"'), encoding="utf-8")
    after = resting_report(str(path), DEFAULT_RANGE)
    expected = find_resting_states(_read(path))
    _same(after, expected, rel=1e-9)
    assert after.resting_states[0].V > before.resting_states[0].V + 1e-4  # less K1 conductance: depolarised (V)
    assert len(list((cache / "imported").iterdir())) == 2


@pytest.mark.parametrize("damage", ["plan.json", "numeric.so", "numeric.py"])
def test_a_damaged_entry_is_rebuilt_not_trusted(cache, monkeypatch, damage):
    path = str(MODELS / "BIOMD0000000020.xml")
    first = resting_report(path, DEFAULT_RANGE)
    imported._load.cache_clear()
    (entry,) = (cache / "imported").iterdir()
    target = entry / damage
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = target.with_name("damaged")  # a new file renamed over it: the library this process loaded stays intact
    damaged.write_bytes(bytes(data))
    damaged.replace(target)
    reads = []
    original = imported._build

    def counted(*args):
        reads.append(args[0])
        return original(*args)

    monkeypatch.setattr(imported, "_build", counted)
    _same(first, resting_report(path, DEFAULT_RANGE))
    assert len(reads) == 1 and np.isfinite(first.resting_states[0].V)



_EVENT = """    <listOfEvents>
      <event id="pulse" useValuesFromTriggerTime="true">
        <trigger initialValue="false" persistent="true">
          <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><geq/><csymbol encoding="text"
            definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol><cn> 10 </cn></apply></math>
        </trigger>
        <listOfEventAssignments>
          <eventAssignment variable="E_R"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> -70 </cn></math>
          </eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>
  </model>"""


def test_a_copy_under_another_name_is_named_as_given(cache, tmp_path):
    """The entry is keyed by the file's content: a copy under another name shares it, and what vrest says of
    the copy (its name in the JSON, a reader's warning, a refusal) names the copy, not the file read first."""
    text = (MODELS / "BIOMD0000000020_l3v2.xml").read_text(encoding="utf-8")
    assert text.count("  </model>") == 1
    text = text.replace("  </model>", _EVENT)  # an event: the reader warns, naming the file
    for name in ("first.xml", "second.xml"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name in ("first.xml", "second.xml"):
        code, out, err = run_cli("simulate", str(tmp_path / name), "--t-end", "1 ms", "--json")
        assert code == 0, err
        assert json.loads(out)["file"] == name
        assert err.splitlines() == [f"vrest: warning: {name}: events at fixed times run as protocol steps in vrest "
                                    "simulate (--protocol replaces them); the system at rest and vrest export leave "
                                    "them out: pulse",
                                    f"vrest: warning: the events of {name}: step 1 at 0.01 s is not reached: the run "
                                    "ends at 0.001 s (give a later --t-end or --times to run through it)"]
    assert len(list((cache / "imported").iterdir())) == 1  # one entry: the second file was not read again
    code, _, err = run_cli("simulate", str(tmp_path / "second.xml"), "--set", "no_such=1")
    assert code == 2 and "not a parameter of model hodgkin_huxley_squid_axon_1952" in err
    assert "second.xml" in err and "first.xml" not in err  # the reader's warning names the copy
