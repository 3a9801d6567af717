"""Write one candidate as a multi-extension FITS file (XRAY, OPTICAL, EXPOSURE).

Headers carry what a real cutout would: a TAN WCS centred on the candidate, the band, the nominal
exposure, units and a telescope name that says plainly the data are simulated. They never carry the
class, the redshift or anything else from the truth tables.

astropy builds every header once per image geometry; per candidate only four cards change (centre,
identifier, exposure), so the file is assembled from the cached card images and the big-endian data
instead of rebuilding and re-verifying all HDUs through ``HDUList.writeto`` (5 ms a file, which
would dominate a 100k-candidate survey). The tests read every written file back with astropy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from ml.simulate.candidate import SimulatedCandidate
from ml.simulate.params import SIMULATOR_VERSION, SimulationParams

BLOCK = 2880
CARD = 80
XRAY_CARDS = (
    ("TELESCOP", "XMM-SIM", "simulated, not an observation"),
    ("INSTRUME", "EPIC-SIM", "simulated EPIC pn+MOS image"),
)
OPTICAL_CARDS = (
    ("TELESCOP", "DSS-SIM", "simulated, not an observation"),
    ("INSTRUME", "PLATE-SIM", "simulated photographic plate"),
)
ORIGIN_CARD = ("ORIGIN", "ClusterHunt simulator", f"ml.simulate {SIMULATOR_VERSION}")
# Cards that change per candidate; the template holds stand-in values that each file overwrites.
VARIABLE = ("CRVAL1", "CRVAL2", "OBJECT", "EXPOSURE")


def _wcs_header(npix: int, pixel_arcsec: float) -> fits.Header:
    """TAN WCS with the reference pixel at the image centre; CRVAL is filled in per candidate."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cunit = ["deg", "deg"]
    # RA increases to the left (east) on the sky, as on every survey image.
    wcs.wcs.cdelt = [-pixel_arcsec / 3600.0, pixel_arcsec / 3600.0]
    wcs.wcs.crpix = [npix / 2.0 + 0.5, npix / 2.0 + 0.5]
    wcs.wcs.crval = [0.0, 0.0]
    wcs.wcs.radesys = "ICRS"
    return wcs.to_header()


def _image_header(
    npix: int, pixel_arcsec: float, cards: list[tuple[str, object, str]]
) -> fits.Header:
    header = _wcs_header(npix, pixel_arcsec)
    header["OBJECT"] = ("", "candidate identifier")
    for key, value, comment in cards:
        header[key] = (value, comment)
    header["ORIGIN"] = ORIGIN_CARD[1:]
    return header


def _xray_cards(bunit: tuple[str, str]) -> list[tuple[str, object, str]]:
    return [
        ("BUNIT", *bunit),
        ("BAND", "0.5-2keV", "energy band"),
        ("EXPOSURE", 0.0, "[s] nominal exposure of the pointing"),
        *XRAY_CARDS,
    ]


def _geometry(params: SimulationParams) -> SimulationParams:
    """Only what the headers depend on, so that candidates of one geometry share a template
    (under domain randomisation every candidate has parameters of its own)."""
    return SimulationParams(
        xray_npix=params.xray_npix,
        xray_pixel_arcsec=params.xray_pixel_arcsec,
        optical_npix=params.optical_npix,
    )


@lru_cache(maxsize=64)
def _template(params: SimulationParams, with_optical: bool) -> fits.HDUList:
    n, pix = params.xray_npix, params.xray_pixel_arcsec
    primary = fits.PrimaryHDU()
    primary.header["OBJECT"] = ("", "candidate identifier")
    primary.header["ORIGIN"] = ORIGIN_CARD[1:]
    primary.header["COMMENT"] = "Simulated data from the Cluster Hunt survey simulator."
    hdus: list[fits.PrimaryHDU | fits.ImageHDU] = [
        primary,
        fits.ImageHDU(
            np.zeros((n, n), np.float32),
            _image_header(n, pix, _xray_cards(("count", "photon counts"))),
            name="XRAY",
        ),
    ]
    if with_optical:
        no = params.optical_npix
        optical_cards: list[tuple[str, object, str]] = [
            ("BUNIT", "adu", "plate density units"),
            ("BAND", "optical", "photographic R band"),
            *OPTICAL_CARDS,
        ]
        hdus.append(
            fits.ImageHDU(
                np.zeros((no, no), np.float32),
                _image_header(no, params.optical_pixel_arcsec, optical_cards),
                name="OPTICAL",
            )
        )
    hdus.append(
        fits.ImageHDU(
            np.zeros((n, n), np.float32),
            _image_header(n, pix, _xray_cards(("s", "vignetted effective exposure"))),
            name="EXPOSURE",
        )
    )
    hdul = fits.HDUList(hdus)
    hdul.verify("exception")
    return hdul


def candidate_hdulist(
    candidate: SimulatedCandidate,
    candidate_id: str,
    ra: float,
    dec: float,
    params: SimulationParams,
) -> fits.HDUList:
    """The candidate as an in-memory astropy HDUList (same content as the written file)."""
    # The candidate's own geometry (its own parameters under domain randomisation).
    params = _geometry(candidate.params)
    template = _template(params, bool(candidate.optical.size))
    values = _variable_values(candidate, candidate_id, ra, dec)
    data = _hdu_data(candidate)
    hdus: list[fits.PrimaryHDU | fits.ImageHDU] = []
    for i, hdu in enumerate(template):
        header = hdu.header.copy()
        for key, value in values.items():
            if key in header:
                header[key] = value
        if i == 0:
            hdus.append(fits.PrimaryHDU(header=header))
        else:
            hdus.append(fits.ImageHDU(data[i - 1], header, name=hdu.name))
    return fits.HDUList(hdus)


def _variable_values(
    candidate: SimulatedCandidate, candidate_id: str, ra: float, dec: float
) -> dict[str, object]:
    return {
        "CRVAL1": float(ra),
        "CRVAL2": float(dec),
        "OBJECT": candidate_id,
        "EXPOSURE": round(float(candidate.truth.pointing.exposure_s), 1),
    }


def _hdu_data(candidate: SimulatedCandidate) -> list[np.ndarray]:
    arrays = [candidate.xray]
    if candidate.optical.size:
        arrays.append(candidate.optical)
    arrays.append(candidate.exposure)
    return [np.asarray(a, dtype=np.float32) for a in arrays]


def _pad(raw: bytes, fill: bytes) -> bytes:
    return raw + fill * (-len(raw) % BLOCK)


@lru_cache(maxsize=64)
def _card_images(params: SimulationParams, with_optical: bool) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(card.image for card in hdu.header.cards) for hdu in _template(params, with_optical)
    )


def candidate_fits_bytes(
    candidate: SimulatedCandidate,
    candidate_id: str,
    ra: float,
    dec: float,
    params: SimulationParams,
) -> bytes:
    """The FITS file of one candidate, assembled from the cached header cards."""
    with_optical = bool(candidate.optical.size)
    params = _geometry(candidate.params)
    values = _variable_values(candidate, candidate_id, ra, dec)
    template = _template(params, with_optical)
    replacement = {
        key: fits.Card(key, value, template[1].header.comments[key]).image
        for key, value in values.items()
        if key in template[1].header
    }
    data = _hdu_data(candidate)
    parts: list[bytes] = []
    for i, images in enumerate(_card_images(params, with_optical)):
        cards = [replacement.get(image[:8].rstrip(), image) for image in images]
        header = "".join(cards) + "END".ljust(CARD)
        parts.append(_pad(header.encode("ascii"), b" "))
        if i > 0:
            parts.append(_pad(data[i - 1].astype(">f4").tobytes(), b"\0"))
    return b"".join(parts)


def write_candidate_fits(
    path: Path,
    candidate: SimulatedCandidate,
    candidate_id: str,
    ra: float,
    dec: float,
    params: SimulationParams,
) -> None:
    Path(path).write_bytes(candidate_fits_bytes(candidate, candidate_id, ra, dec, params))
