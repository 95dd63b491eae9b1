#!/usr/bin/env python3
"""Independent listing of a Keras .keras / .weights.h5 / .h5 file with Python's zipfile and h5py
(Debian python3-h5py), for Graft's tests: prints one JSON object with the zip members (name,
size, compression) and every HDF5 group and dataset (path, attrs; shape, dtype, storage layout,
sha256 of the little-endian value bytes). Reads only the file named on the command line."""
import hashlib, io, json, sys, zipfile
import h5py
import numpy as np


def attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, np.ndarray):
            v = [x.decode() if isinstance(x, bytes) else x.item() if hasattr(x, 'item') else x for x in v.tolist()]
        elif hasattr(v, 'item'):
            v = v.item()
        out[k] = v
    return out


def listing(f):
    groups, datasets = [], []
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            arr = np.asarray(obj[()])
            le = arr.astype(arr.dtype.newbyteorder('<')) if arr.dtype.byteorder == '>' else arr
            datasets.append({'path': name, 'shape': list(obj.shape), 'dtype': str(obj.dtype),
                             'chunks': obj.chunks, 'compression': obj.compression,
                             'sha256': hashlib.sha256(np.ascontiguousarray(le).tobytes()).hexdigest(),
                             'attrs': attrs(obj)})
        else:
            groups.append({'path': name, 'attrs': attrs(obj)})
    f.visititems(visit)
    return {'root_attrs': attrs(f), 'groups': groups, 'datasets': datasets}


path = sys.argv[1]
out = {}
if zipfile.is_zipfile(path):
    z = zipfile.ZipFile(path)
    out['zip'] = [{'name': i.filename, 'size': i.file_size, 'compress_type': i.compress_type} for i in z.infolist()]
    out['config'] = json.loads(z.read('config.json'))
    out['metadata'] = json.loads(z.read('metadata.json'))
    with h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r') as f:
        out['h5'] = listing(f)
else:
    with h5py.File(path, 'r') as f:
        out['h5'] = listing(f)
json.dump(out, sys.stdout)
