"""Bad or hostile CellML and SBML files: one line naming the element, exit code 2, nothing written.

Model files come from the internet: a DOCTYPE with an external entity (a local file) or an
entity-expansion bomb is refused before any reader sees the file, and no file outside the
model's own folder is read, not even through a CellML import.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import run_cli

CELLML10 = "http://www.cellml.org/cellml/1.0#"
CELLML11 = "http://www.cellml.org/cellml/1.1#"
MATHML = "http://www.w3.org/1998/Math/MathML"


def _cellml(body: str, namespace: str = CELLML10, head: str = "") -> str:
    return (f'<?xml version="1.0"?>\n{head}<model xmlns="{namespace}" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'xmlns:cellml="{namespace}" '
            f'name="m">\n<units name="mV"><unit units="volt" prefix="milli"/></units>\n'
            f'<units name="ms"><unit units="second" prefix="milli"/></units>\n{body}\n</model>\n')


def _cell(extra_variables: str = "", equations: str = "", v_units: str = "mV") -> str:
    """One component: dV/dt = -(V - E)/tau plus ``equations``."""
    return _cellml(f'''<component name="c">
  <variable name="time" units="ms"/>
  <variable name="V" units="{v_units}" initial_value="-50"/>
  <variable name="E" units="{v_units}" initial_value="-70"/>
  <variable name="tau" units="ms" initial_value="10"/>
  {extra_variables}
  <math xmlns="{MATHML}">
    <apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply>
      <apply><divide/><apply><minus/><ci>E</ci><ci>V</ci></apply><ci>tau</ci></apply></apply>
    {equations}
  </math>
</component>''')


def _refused(path, *texts: str, args=()) -> str:
    """Run ``vrest rest path``: exit 2, one line on stderr holding each of ``texts``, nothing on stdout."""
    before = set(os.listdir(path.parent))
    code, out, err = run_cli("rest", str(path), *args)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vrest: error: "), err
    for text in texts:
        assert text in lines[0], lines[0]
    assert set(os.listdir(path.parent)) == before  # nothing written
    assert "Traceback" not in err
    return lines[0]


def test_a_good_small_file_rests(tmp_path):
    path = tmp_path / "cell.cellml"
    path.write_text(_cell())
    code, out, err = run_cli("rest", str(path))
    assert code == 0, err
    assert "one stable resting state, at -70.00 mV" in out


def test_malformed_xml(tmp_path):
    path = tmp_path / "broken.cellml"
    path.write_text(_cell().replace("</component>", ""))
    _refused(path, "broken.cellml: line", "not well-formed XML")
    path.write_text(_cell()[:-30])  # cut short: libxml2 adds ", line 15, column 3", said in front already
    assert _refused(path).endswith("broken.cellml: line 15: not well-formed XML: Premature end of data in tag math "
                                   "(opened at line 11)")
    path.write_text("<model><broken")  # libxml2: "Couldn't find end of Start Tag broken line 1, line 1, column 15"
    assert _refused(path).endswith("broken.cellml: line 1: not well-formed XML: Couldn't find end of Start Tag broken")


def test_a_file_of_no_xml_at_all_is_said_to_be_none(tmp_path):
    """A binary file was "not well-formed XML: Document is empty" (libxml2's words for no XML at all)."""
    path = tmp_path / "bin.xml"
    path.write_bytes(bytes(range(1, 256)) * 4)
    _refused(path, "bin.xml: not an XML file: it does not begin with '<'")


def test_a_file_is_read_as_what_it_is_whatever_its_name(tmp_path):
    """An SBML file named .cellml was refused as "not a CellML model", a CellML file named .xml as "not an SBML
    document": each is read by its root element, and rests where it does under its own name."""
    (tmp_path / "cell.xml").write_text(_cell())
    sbml = (Path(__file__).parent / "models" / "BIOMD0000000020.xml").read_text(encoding="utf-8")
    (tmp_path / "hh.cellml").write_text(sbml, encoding="utf-8")
    for name, rest in (("cell.xml", "one stable resting state, at -70.00 mV"),
                       ("hh.cellml", "one stable resting state, at -0.0036 mV")):  # as BIOMD0000000020.xml rests
        code, out, err = run_cli("rest", str(tmp_path / name))
        assert code == 0 and rest in out, err


def test_a_model_file_under_a_name_vrest_reads_as_its_own_format_says_so(tmp_path):
    """A CellML file named .txt (or with no suffix) was "not valid TOML: Invalid statement (at line 1, column 1)"."""
    for name in ("cell.txt", "cell"):
        (tmp_path / name).write_text("\ufeff\n" + _cell(), encoding="utf-8")
        code, out, err = run_cli("rest", str(tmp_path / name))
        assert (code, out) == (2, "")
        assert err == (f"vrest: error: {tmp_path / name} is an XML file, not a vrest model (TOML): vrest reads a "
                       "CellML file named .cellml and an SBML file named .xml or .sbml\n")


def test_not_a_cellml_model(tmp_path):
    path = tmp_path / "other.cellml"
    path.write_text('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>\n')
    _refused(path, "<html>", "not a CellML model")


def test_no_membrane_potential(tmp_path):
    path = tmp_path / "novoltage.cellml"
    path.write_text(_cell(v_units="dimensionless"))
    _refused(path, "membrane potential", "--voltage NAME")


def test_a_dimensionless_time_is_refused_with_where_to_give_its_unit(tmp_path):
    """Myokit's exports of its models written without units (and SBML test case 01103) give time no unit: the
    rates could be per ms or per s, and vrest does not guess."""
    path = tmp_path / "notime.cellml"
    path.write_text(_cell().replace('<variable name="time" units="ms"/>',
                                    '<variable name="time" units="dimensionless"/>'))
    _refused(path, "notime.cellml: c.time: the variable of integration (time) is dimensionless in the file",
             "give it in the file (CellML: the time variable's units, such as ms; SBML: the model's timeUnits)")


def test_naming_the_membrane_potential_by_hand(tmp_path):
    path = tmp_path / "novoltage.cellml"
    path.write_text(_cell(v_units="dimensionless"))
    _refused(path, "--voltage", "'W'", "no such variable", args=("--voltage", "W"))
    code, out, err = run_cli("rest", str(path), "--voltage", "V")
    assert code == 0, err and "-70" in out


def test_units_that_do_not_convert(tmp_path):
    path = tmp_path / "units.cellml"
    path.write_text(_cellml(f'''<component name="a">
  <variable name="time" units="ms" public_interface="out"/>
  <variable name="V" units="mV" initial_value="-50" public_interface="out"/>
  <variable name="I" units="mV" public_interface="in"/>
  <math xmlns="{MATHML}"><apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply>
    <apply><minus/><ci>I</ci></apply></apply></math>
</component>
<component name="b">
  <variable name="V" units="ms" public_interface="in"/>
  <variable name="I" units="ms" public_interface="out"/>
  <math xmlns="{MATHML}"><apply><eq/><ci>I</ci>
    <apply><plus/><ci>V</ci><cn cellml:units="ms">70</cn></apply></apply></math>
</component>
<connection><map_components component_1="a" component_2="b"/><map_variables variable_1="V" variable_2="V"/>
<map_variables variable_1="I" variable_2="I"/></connection>'''))
    _refused(path, "units.cellml: <connection>", "units that do not convert", "[mV]", "[ms]")


def test_units_that_do_not_agree_in_an_equation_are_warned_and_the_file_still_rests(tmp_path):
    """A CellML equation whose units do not agree (a potential minus a time; tau given in mV) rested without a
    word. Myokit's unit check says where; the file is computed as written (E - V over tau's number: -70 mV)."""
    minus = '<apply><eq/><ci>x</ci><apply><minus/><ci>V</ci><ci>tau</ci></apply></apply>'
    minus_said = ("(the first Myokit finds: Subtraction requires equal units, got [mV] (or [g*m^2/s^3/A]) and [ms] "
                  "(or [s (0.001)]), in c.V - c.tau)")
    tau_said = ("(the first Myokit finds: in <c.V>: the variable's unit [mV] (or [g*m^2/s^3/A]) differs from its "
                "equation's unit [ms] (or [s (0.001)]), by a factor [A/F] (or [g*m^2/s^4/A (1000)]))")  # [1]/ms times ms
    for name, text, said in (
            ("minus.cellml", _cell('<variable name="x" units="mV"/>', minus), minus_said),
            ("tau.cellml", _cell().replace('name="tau" units="ms"', 'name="tau" units="mV"'), tau_said)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, out, err = run_cli("rest", str(tmp_path / name))
        assert code == 0 and "one stable resting state, at -70.00 mV" in out, err
        assert err == (f"vrest: warning: {name}: units do not agree in the file's equations {said}: vrest computes with the "
                       "file's numbers as written, each value converted by the unit declared for it\n")


def test_an_algebraic_loop(tmp_path):
    path = tmp_path / "loop.cellml"
    path.write_text(_cell('<variable name="a" units="mV"/><variable name="b" units="mV"/>',
                          "<apply><eq/><ci>a</ci><apply><plus/><ci>b</ci><ci>V</ci></apply></apply>"
                          "<apply><eq/><ci>b</ci><apply><minus/><ci>a</ci><ci>E</ci></apply></apply>"))
    _refused(path, "loop.cellml", "algebraic loop")


def _importing(href: str) -> str:
    return _cellml(f'''<import xlink:href="{href}"><component name="leak" component_ref="leak"/></import>
<component name="c">
  <variable name="time" units="ms"/>
  <variable name="V" units="mV" initial_value="-50" public_interface="out"/>
  <variable name="I" units="dimensionless" public_interface="in"/>
  <math xmlns="{MATHML}"><apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply>
    <apply><minus/><ci>I</ci></apply></apply></math>
</component>
<connection><map_components component_1="c" component_2="leak"/><map_variables variable_1="V" variable_2="V"/>
<map_variables variable_1="I" variable_2="I"/></connection>''', CELLML11)


LEAK = _cellml(f'''<component name="leak">
  <variable name="V" units="mV" public_interface="in"/>
  <variable name="I" units="dimensionless" public_interface="out"/>
  <variable name="g" units="dimensionless" initial_value="0.1"/>
  <variable name="E" units="mV" initial_value="-70"/>
  <math xmlns="{MATHML}"><apply><eq/><ci>I</ci><apply><times/><ci>g</ci>
    <apply><minus/><ci>V</ci><ci>E</ci></apply></apply></apply></math>
</component>''', CELLML11)


def test_an_import_inside_the_folder_is_resolved(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "leak.cellml").write_text(LEAK)
    path = tmp_path / "cell.cellml"
    path.write_text(_importing("parts/leak.cellml"))
    code, out, err = run_cli("rest", str(path))
    assert code == 0, err
    assert "one stable resting state, at -70.00 mV" in out


def test_a_model_with_imports_named_through_dot_dot(tmp_path, monkeypatch):
    """The model's path as typed, '../cell.cellml', and its import resolved: the first call (nothing cached yet, as
    the leak's E is this test's own) reads both, and a sweep runs on it."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "leak.cellml").write_text(LEAK.replace('initial_value="-70"', 'initial_value="-71.5"'))
    (tmp_path / "cell.cellml").write_text(_importing("parts/leak.cellml"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    code, out, err = run_cli("rest", "../cell.cellml")
    assert code == 0, err
    assert "one stable resting state, at -71.50 mV" in out
    code, out, err = run_cli("sweep", "../cell.cellml", "--vary", "E=-80, -60 mV")
    assert code == 0, err
    assert [line.split()[:2] for line in out.strip().splitlines()[1:]] == [["-80", "-80"], ["-60", "-60"]]


def test_a_missing_import(tmp_path):
    path = tmp_path / "cell.cellml"
    path.write_text(_importing("leak.cellml"))
    _refused(path, "<import xlink:href>", "'leak.cellml'", f"no such file in {tmp_path.resolve()}")
    (tmp_path / "leak.cellml").mkdir()  # a folder of that name: said as such, not "no such file"
    _refused(path, "<import xlink:href>", "'leak.cellml'", f"is a folder in {tmp_path.resolve()}, not a model file")


@pytest.mark.parametrize("href", ["../outside.cellml", "/etc/passwd", "file:///etc/passwd",
                                  "http://example.org/leak.cellml"])
def test_an_import_outside_the_models_folder_is_never_read(tmp_path, href):
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "outside.cellml").write_text(LEAK)  # a valid model: reading it would succeed
    path = folder / "cell.cellml"
    path.write_text(_importing(href))
    _refused(path, "<import xlink:href>", "refused")


def test_an_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    path = tmp_path / "xxe.cellml"
    path.write_text(_cell().replace('initial_value="-70"', 'initial_value="&x;"').replace(
        "<model", f'<!DOCTYPE model [<!ENTITY x SYSTEM "file://{secret}">]>\n<model', 1))
    line = _refused(path, "xxe.cellml: DOCTYPE", "refused")
    assert "SECRET" not in line


def test_an_entity_expansion_bomb_is_refused(tmp_path):
    entities = ['<!ENTITY a0 "lol">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    path = tmp_path / "bomb.xml"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE sbml [{"".join(entities)}]>\n'
                    '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">'
                    '<model id="m"><notes>&a9;</notes></model></sbml>\n')
    _refused(path, "bomb.xml: DOCTYPE", "refused")


def test_an_sbml_model_with_events_only(tmp_path):
    path = tmp_path / "events.xml"
    path.write_text('''<?xml version="1.0"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="m">
    <listOfParameters><parameter id="V" value="-70" constant="false"/></listOfParameters>
    <listOfEvents>
      <event id="kick" useValuesFromTriggerTime="true">
        <trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><gt/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>
          <cn>1</cn></apply></math></trigger>
        <listOfEventAssignments><eventAssignment variable="V"><math xmlns="http://www.w3.org/1998/Math/MathML">
          <cn>0</cn></math></eventAssignment></listOfEventAssignments>
      </event>
    </listOfEvents>
  </model>
</sbml>
''')
    _refused(path, "events.xml: <listOfEvents>", "'kick'", "only through events")


@pytest.mark.parametrize("command", ["crosscheck"])  # export and simulate take a CellML file
def test_commands_for_vrest_models_say_that_vrest_rest_reads_cellml(tmp_path, command):
    path = tmp_path / "cell.cellml"
    path.write_text(_cell())
    code, out, err = run_cli(command, str(path), "-o", str(tmp_path / "out"))
    assert code == 2 and out == "" and not (tmp_path / "out").exists()
    assert err.strip().splitlines() == [f"vrest: error: MODEL = {str(path)!r}: a CellML file: `vrest rest`, "
                                        "`derive`, `simulate`, `sweep`, `sensitivity` and `export` read it; "
                                        "this command needs a built-in model or a vrest model file (.toml)"]


def _ramp(tmp_path):
    """A file whose V starts at -50 mV and rises by 0.25 mV/s (0.00025 mV/ms), for ever."""
    path = tmp_path / "ramp.cellml"
    path.write_text(_cellml(f'''<component name="c">
  <variable name="time" units="ms"/>
  <variable name="V" units="mV" initial_value="-50"/>
  <math xmlns="{MATHML}">
    <apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply><cn cellml:units="mV">0.00025</cn></apply>
  </math>
</component>''').replace('<cn cellml:units="mV">0.00025</cn>',
                         '<apply><divide/><cn cellml:units="mV">0.00025</cn><cn cellml:units="ms">1</cn></apply>'))
    return path


def test_a_run_whose_potential_leaves_the_physical_range_is_warned(tmp_path):
    """`vrest simulate --start given` of the ramp: V = -50 + 0.25 t mV. At 1e4 s it is 2450 mV, beyond the 2 V no
    membrane withstands (docs/limits.md), and said once, as for vrest's own models, in the table's hours; at
    100 s (-25 mV) nothing."""
    path = _ramp(tmp_path)
    code, out, err = run_cli("simulate", str(path), "--start", "given", "--t-end", "1e4 s")
    assert code == 0, err
    warning = [line for line in err.splitlines() if line.startswith("vrest: warning: ")]
    assert len(warning) == 1, err
    assert warning[0].startswith("vrest: warning: V at t = 2.77778 h = 2450 mV is outside the physical range -2000 mV "
                                 "to 2000 mV (above +2 V a membrane breaks down"), err
    code, _, err = run_cli("simulate", str(path), "--start", "given", "--t-end", "100 s")
    assert code == 0 and "warning" not in err, err


def test_a_potential_that_runs_away_is_said_to_be_beyond_any_membrane(tmp_path):
    """dV/dt = 0.25 mV/s, for ever: no equilibrium, and from -50 mV the run passes +2 V after 2.3 h. It was called
    "a slow drift"; V at the end of the run is its start plus the rate times the run's length (the numbers the
    verdict prints: 27.8 h, 900 mV/h)."""
    code, out, err = run_cli("rest", str(_ramp(tmp_path)), "--json")
    assert code == 0, err
    verdict = json.loads(out)["verdict"]
    import re

    hours, end = re.search(r"V = ([\d.]+) mV after ([\d.]+) h", verdict).group(2, 1)
    assert float(end) == pytest.approx(-50 + 900 * float(hours), rel=5e-3)
    assert verdict.startswith("no resting state between -150.00 mV and 60.00 mV; from its start V runs away, near "
                              "no equilibrium vrest found: V = ")
    assert "changing by 900 mV/h, outside the physical range -2000 mV to 2000 mV (above +2 V a membrane breaks " \
           "down" in verdict
    assert "slow drift" not in verdict


def test_the_state_reached_from_the_start_says_by_what_time(tmp_path):
    """dV/dt = (E - V)/tau from -50 mV to E = -70 mV, tau = 1 s: within 1e-3 of V's size (150 mV, the default
    range's largest |V|: 0.15 mV) after tau ln(20 mV / 0.15 mV) = 4.89 s; the run's spans double from 0.1 s and
    end at 0.1, 0.3, 0.7, 1.5, 3.1, 6.3 s: the rest is found near at the end of the span that ends at 6.3 s."""
    path = tmp_path / "cell.cellml"
    path.write_text(_cell().replace('<variable name="tau" units="ms" initial_value="10"/>',
                                    '<variable name="tau" units="ms" initial_value="1000"/>'))
    code, out, err = run_cli("rest", str(path))
    assert code == 0, err
    lines = out.splitlines()
    at = lines.index("resting state 1: V = -70 mV, stable")
    assert lines[at + 1] == ("  near it from the start state by t = 6.3 s of model time (every state within 1e-3 "
                             "of its size, V's 150 mV, a gate's 1)")


def test_a_file_value_beyond_a_double_in_si_or_beyond_what_is_physical_is_refused_where_it_is_read(tmp_path):
    """g = 1e308 mS/cm^2 is 1e309 S/m^2 in SI: it became inf, and every command failed with a NameError in the
    generated module (an export wrote value="inf"); 1e20 mS/cm^2 rested silently; a capacitance of 0 ended in
    "no resting state" (CVODE's failure) instead of a refusal. The file's values are checked as --set's are."""
    units = ('<units name="mS_per_cm2"><unit units="siemens" prefix="milli"/><unit units="metre" prefix="centi" '
             'exponent="-2"/></units><units name="uF_per_cm2"><unit units="farad" prefix="micro"/>'
             '<unit units="metre" prefix="centi" exponent="-2"/></units>')
    for g, cm, texts in (("1e308", "1", ("c.g = '1e+308 [mS/cm^2]': is 1.00e+309 in SI units, beyond the largest "
                                          "number vrest computes with (1.8e308)",)),
                         ("1e20", "1", ("c.g = '1e+20 [mS/cm^2]': outside the allowed range 1e-12 mS/cm^2 to 1e7 "
                                        "mS/cm^2",)),
                         ("0.3", "0", ("c.Cm = '0 [uF/cm^2]': Cm is a capacitance: it must be positive",))):
        path = tmp_path / "cell.cellml"
        path.write_text(_cell(f'<variable name="g" units="mS_per_cm2" initial_value="{g}"/>'
                              f'<variable name="Cm" units="uF_per_cm2" initial_value="{cm}"/>'
                              '<variable name="i" units="dimensionless"/>',
                              '<apply><eq/><ci>i</ci><apply><times/><ci>g</ci><ci>Cm</ci></apply></apply>')
                         .replace('name="m">', f'name="m">{units}'))
        _refused(path, *texts)


_LEAK = '''<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="http://www.cellml.org/cellml/2.0#" name="leak">
  <units name="ms"><unit prefix="milli" units="second"/></units>
  <units name="mV"><unit prefix="milli" units="volt"/></units>
  <units name="uF_per_cm2"><unit prefix="micro" units="farad"/><unit prefix="centi" units="metre" exponent="-2"/></units>
  <units name="mS_per_cm2"><unit prefix="milli" units="siemens"/><unit prefix="centi" units="metre" exponent="-2"/></units>
  <units name="uA_per_cm2"><unit prefix="micro" units="ampere"/><unit prefix="centi" units="metre" exponent="-2"/></units>
  <component name="membrane">
    <variable name="t" units="ms"/>
    <variable name="V" units="mV" initial_value="-60"/>
    <variable name="Cm" units="uF_per_cm2" initial_value="1"/>
    <variable name="g_L" units="mS_per_cm2" initial_value="G"/>
    <variable name="E_L" units="mV" initial_value="-70"/>
    <variable name="i_L" units="uA_per_cm2"/>
    <math xmlns="http://www.w3.org/1998/Math/MathML">
      <apply><eq/><ci>i_L</ci><apply><times/><ci>g_L</ci><apply><minus/><ci>V</ci><ci>E_L</ci></apply></apply></apply>
      <apply><eq/><apply><diff/><bvar><ci>t</ci></bvar><ci>V</ci></apply>
        <apply><divide/><apply><minus/><ci>i_L</ci></apply><ci>Cm</ci></apply></apply>
    </math>
  </component>
</model>
'''


def test_a_lone_leak_of_conductance_0_is_said_and_a_sweep_through_0_goes_on(tmp_path):
    """Nothing moves: the search for conservation laws failed with an IndexError (rest, derive, simulate), and a
    sweep whose range starts at 0 stopped at its first chunk."""
    path = tmp_path / "leak.cellml"
    path.write_text(_LEAK.replace('initial_value="G"', 'initial_value="0"'))
    for command in ("rest", "derive"):
        code, out, err = run_cli(command, str(path))
        assert (code, out) == (2, "")
        assert err == ("vrest: error: roles.voltage = 'V': its rate is zero for every state (a clamped voltage): no "
                       "resting state to find\n")
    path.write_text(_LEAK.replace('initial_value="G"', 'initial_value="0.3"'))
    code, out, err = run_cli("sweep", str(path), "--vary", "g_L=0, 0.3 mS/cm^2", "--quantity", "V_rest")
    assert code == 0, err
    assert [line.split() for line in out.splitlines()[1:]] == [["0", "-"], ["0.3", "-70"]]  # E_L = -70 mV
    assert err == ("vrest: V_rest: no value at 1 of 2 points: no resting state: V's rate is zero for every state at "
                   "these parameters (nothing moves it: a conductance of 0), so every potential is an equilibrium\n")


def test_a_negative_lone_leak_runs_away_and_a_potential_beyond_a_membrane_is_refused(tmp_path):
    """dV/dt = -g (V - E_L)/C with g < 0: one state, one real eigenvalue g/C > 0: V leaves E_L = -70 mV on either
    side; it was called "oscillates (pacemaker)", which one state cannot do. E_L = -1e300 mV rested 300 digits
    away; a file's potential is refused beyond docs/limits.md's -2000..2000 mV."""
    path = tmp_path / "leak.cellml"
    path.write_text(_LEAK.replace('initial_value="G"', 'initial_value="-0.3"'))
    code, out, err = run_cli("rest", str(path))
    assert code == 0, err
    assert out.splitlines()[1].startswith("no stable resting state between -150.00 mV and 60.00 mV: the unstable "
                                          "equilibrium lies at -70.00 mV, and V runs away from it on either side")
    path.write_text(_LEAK.replace('initial_value="G"', 'initial_value="0.3"').replace('"-70"', '"-1e300"'))
    _refused(path, "membrane.E_L = '-1e+300 [mV]': E_L is a potential: it lies within -2000 mV to 2000 mV")


def test_a_file_that_imports_itself_is_one_line_of_words(tmp_path):
    """libcellml describes the loop over several lines: the line carried them as literal "\\n"."""
    path = tmp_path / "cell.cellml"
    path.write_text(_importing("cell.cellml"))
    line = _refused(path, "cell.cellml: <import>")
    assert "\\n" not in line and "yclic" in line


def test_a_files_start_potential_beyond_a_membrane_is_refused_as_its_parameters_are(tmp_path):
    """V starting at -5000 mV ran as given (simulate --start given printed it); --start V=-5000 mV is refused."""
    path = tmp_path / "leak.cellml"
    path.write_text(_LEAK.replace('initial_value="G"', 'initial_value="0.3"').replace('"-60"', '"-5000"'))
    _refused(path, "membrane.V = '-5000 [mV]': V is a potential: it lies within -2000 mV to 2000 mV")
    path.write_text(_LEAK.replace('initial_value="G"', 'initial_value="0.3"'))
    code, out, err = run_cli("sweep", str(path), "--vary", "g_L=1e308 mS/cm^2", "--quantity", "V_rest")
    assert (code, out) == (2, "")  # an OverflowError's traceback before
    assert err == ("vrest: error: --vary g_L = '1e308 mS/cm^2': is 1.0e+309 in SI units, beyond the largest number "
                   "vrest computes with (1.8e308)\n")
