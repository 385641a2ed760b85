"""``mimamoru group`` and ``mimamoru camera-group`` as real subprocesses."""

from __future__ import annotations

from pathlib import Path

from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.services import Services
from tests.conftest import Installation
from tests.support.processes import mimamoru


def cameras_and_a_viewer(installation: Installation, tmp_path: Path) -> tuple[int, int, int]:
    services = Services.build(installation.settings())
    try:
        door = services.cameras.add(
            name="door", source="test://pattern", purposes=["crime_prevention"], actor="t"
        ).id
        yard = services.cameras.add(
            name="yard", source="test://pattern", purposes=["crime_prevention"], actor="t"
        ).id
        vera = services.accounts.create(
            username="vera", password="a-long-enough-passphrase", role=Role.VIEWER, actor="t"
        ).id
    finally:
        services.close()
    return door, yard, vera


def test_groups_camera_groups_and_their_grants(installation: Installation, tmp_path: Path) -> None:
    door, yard, vera = cameras_and_a_viewer(installation, tmp_path)
    data_dir = str(installation.data_dir)
    added = mimamoru(
        "group", "add", "--data-dir", data_dir, "--name", "guards",
        "--description", "night\nshift",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    group_id = int(added.stdout)
    camera_group = mimamoru("camera-group", "add", "--data-dir", data_dir, "--name", "outside")
    assert camera_group.returncode == 0, camera_group.stderr
    camera_group_id = int(camera_group.stdout)

    cameras = mimamoru(
        "camera-group", "cameras", "--data-dir", data_dir, "--name", "outside",
        "--cameras", f"{yard},{door}",
    )  # fmt: skip
    assert cameras.returncode == 0, cameras.stderr
    assert cameras.stdout == f"camera group outside: cameras {door}, {yard}\n"
    members = mimamoru(
        "group", "members", "--data-dir", data_dir, "--name", "guards", "--users", "vera"
    )
    assert members.returncode == 0, members.stderr
    assert members.stdout == "group guards: vera\n"
    granted = mimamoru(
        "group", "grant", "--data-dir", data_dir, "--name", "guards",
        "--camera-group", "outside", "--operations", "live,playback", "--window-hours", "24",
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    assert granted.stdout == "group guards may now live,playback on camera group 'outside'\n"
    direct = mimamoru(
        "group", "grant", "--data-dir", data_dir, "--name", "guards", "--camera", str(door),
        "--operations", "configure",
    )  # fmt: skip
    assert direct.returncode == 0, direct.stderr
    own = mimamoru(
        "user", "grant", "--data-dir", data_dir, "--username", "vera",
        "--camera-group", "outside", "--operations", "ptz",
    )  # fmt: skip
    assert own.returncode == 0, own.stderr
    assert own.stdout == "vera may now ptz on camera group 'outside'\n"

    groups = mimamoru("group", "list", "--data-dir", data_dir)
    assert groups.stdout == (
        f"{group_id}\tguards\tvera\tcamera {door}: configure; "
        "camera group 'outside': live,playback (last 24 h)\tnight shift\n"
    )
    camera_groups = mimamoru("camera-group", "list", "--data-dir", data_dir)
    assert camera_groups.stdout == f"{camera_group_id}\toutside\t{door},{yard}\t-\n"
    users = mimamoru("user", "list", "--data-dir", data_dir)
    assert f"{vera}\tvera\tviewer\tenabled\tcamera group 'outside': ptz\tguards\n" in users.stdout

    services = Services.build(installation.settings())
    try:
        viewer = Principal(vera, "vera", Role.VIEWER)
        assert services.gate.may(viewer, yard, Operation.PLAYBACK)
        assert services.gate.may(viewer, door, Operation.CONFIGURE)
        assert services.gate.may(viewer, yard, Operation.PTZ)
        assert not services.gate.may(viewer, yard, Operation.CONFIGURE)
    finally:
        services.close()

    emptied = mimamoru(
        "group", "members", "--data-dir", data_dir, "--name", "guards", "--users", ""
    )
    assert emptied.stdout == "group guards: no members\n"
    none = mimamoru(
        "camera-group", "cameras", "--data-dir", data_dir, "--name", "outside", "--cameras", ""
    )
    assert none.stdout == "camera group outside: cameras none\n"
    services = Services.build(installation.settings())
    try:
        assert services.gate.visible_camera_ids(viewer, [door, yard]) == []
    finally:
        services.close()


def test_group_commands_refuse_bad_input(installation: Installation, tmp_path: Path) -> None:
    cameras_and_a_viewer(installation, tmp_path)
    data_dir = str(installation.data_dir)
    assert mimamoru("group", "add", "--data-dir", data_dir, "--name", "guards").returncode == 0
    cases = [
        (["group", "add", "--name", "guards"], "a group named 'guards' already exists"),
        (["group", "add", "--name", " "], "group name is empty"),
        (["group", "members", "--name", "ghosts", "--users", "vera"], "group 'ghosts' not found"),
        (["group", "members", "--name", "guards", "--users", "vera,ghost"],
         "user 'ghost' not found"),
        (["group", "members", "--name", "guards", "--users", "vera,vera"],
         "--users: 'vera' is listed twice"),
        (["group", "grant", "--name", "guards", "--operations", "live"],
         "give --camera or --camera-group (one of them)"),
        (["group", "grant", "--name", "guards", "--camera", "1", "--camera-group", "x",
          "--operations", "live"], "give --camera or --camera-group (one of them)"),
        (["group", "grant", "--name", "guards", "--camera", "9", "--operations", "live"],
         "camera 9 not found"),
        (["group", "grant", "--name", "guards", "--camera-group", "nowhere", "--operations",
          "live"], "camera group 'nowhere' not found"),
        (["group", "grant", "--name", "guards", "--camera", "1", "--operations", "watch"],
         "unknown operation 'watch'"),
        (["user", "grant", "--username", "vera", "--operations", "live"],
         "give --camera or --camera-group (one of them)"),
        (["camera-group", "add", "--name", "y" * 101],
         "camera group name is longer than 100 characters"),
        (["camera-group", "cameras", "--name", "ghosts", "--cameras", "1"],
         "camera group 'ghosts' not found"),
        (["camera-group", "add", "--name", "outside"], ""),
        (["camera-group", "cameras", "--name", "outside", "--cameras", "1,x"],
         "--cameras: 'x' is not a camera id"),
        (["camera-group", "cameras", "--name", "outside", "--cameras", "1,01"],
         "--cameras: camera 1 is listed twice"),
        (["camera-group", "cameras", "--name", "outside", "--cameras", "1,9"],
         "camera 9 not found"),
    ]  # fmt: skip
    for command, message in cases:
        result = mimamoru(*command[:2], "--data-dir", data_dir, *command[2:])
        if not message:
            assert result.returncode == 0, result.stderr
            continue
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert f"error: {message}" in result.stderr, (command, result.stderr)
    window = mimamoru(
        "group", "grant", "--data-dir", data_dir, "--name", "guards", "--camera", "1",
        "--operations", "playback", "--window-hours", "0",
    )  # fmt: skip
    assert window.returncode == 2 and "0 is not in the range 1<=x<=87600" in window.stderr
