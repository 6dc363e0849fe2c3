"""`make guide-screenshots` keeps the 1280 px mouse screenshots of each journey, as palette PNGs,
and replaces a role's folder whole."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tests.e2e.guide_screenshots import keep


def _screen(path, colour):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 200, 60), fill=colour)
    image.save(path)


def test_keeps_the_desktop_mouse_screens_of_each_role_as_palette_pngs(tmp_path):
    taken, guide = tmp_path / "taken", tmp_path / "guide"
    _screen(taken / "animateur/1280-souris/01-mes-ateliers.png", (0, 0, 145))
    _screen(taken / "animateur/390-clavier/01-mes-ateliers.png", (0, 0, 145))
    _screen(taken / "participant/1280-souris/01-agenda.png", (24, 117, 60))
    _screen(guide / "animateur/07-etape-renommee.png", (200, 0, 0))
    _screen(guide / "organisateur-ars/01-autre-role.png", (200, 0, 0))

    written = keep(taken, guide)

    assert sorted(p.relative_to(guide).as_posix() for p in written) == [
        "animateur/01-mes-ateliers.png", "participant/01-agenda.png"]
    # A step of the role renamed since: its old picture is gone; another role is left alone.
    assert not (guide / "animateur/07-etape-renommee.png").exists()
    assert (guide / "organisateur-ars/01-autre-role.png").exists()
    with Image.open(guide / "animateur/01-mes-ateliers.png") as kept:
        assert kept.mode == "P"
        assert kept.size == (320, 200)
        rgb = kept.convert("RGB")
        assert rgb.getpixel((100, 40)) == (0, 0, 145)
        assert rgb.getpixel((300, 150)) == (255, 255, 255)
