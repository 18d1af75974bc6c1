"""A sweep that varies a bath ion says at how many points the bath is not electroneutral, as derive says it of
one file. pumpleak's bath is K_o 3 + Na_o 142 = Cl_o 145 mM (its model file); each mM of K_o above 3 is a mM of
positive charge no listed anion balances, and the Donnan and volume results count only the listed ions."""

from __future__ import annotations

from conftest import run_cli


def test_the_count_and_the_most_unbalanced_point():
    code, _, err = run_cli("sweep", "pumpleak", "--vary", "ions.K.outside=3..5 mM 3", "--quantity", "V_ss")
    assert code == 0, err
    # 3 mM: balanced; 4 and 5 mM: 1 and 2 mM of the bath's 290 and 292 mM of charge, above 0.1 % / 2 of it.
    assert ("vrest: warning: at 2 of 3 points the varied bath is not electroneutral. At the most unbalanced point, "
            "the bath is not electroneutral: K_o + Na_o = 147 mM against Cl_o = 145 mM (2 mM more positive "
            "charge); the Donnan and volume results count only the listed ions\n") in err


def test_only_unbalanced_points_count_and_a_cell_without_a_donnan_volume_is_not_warned_of():
    # Na_o and Cl_o lowered together keep the bath balanced (the grid's diagonal); the crossed points do not.
    code, _, err = run_cli("sweep", "pumpleak", "--vary", "ions.Na.outside=142, 100 mM", "--vary",
                           "ions.Cl.outside=145, 103 mM", "--method", "grid", "--quantity", "V_ss")
    assert code == 0, err
    assert "at 2 of 4 points the varied bath is not electroneutral" in err  # the two crossed points are not balanced
    # neuron has a fixed volume and no impermeant anions: its potentials do not depend on the unlisted ions.
    code, _, err = run_cli("sweep", "neuron", "--vary", "ions.K.outside=4..40 mM 3", "--quantity", "V_ss")
    assert code == 0 and "electroneutral" not in err
