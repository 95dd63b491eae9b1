#!/usr/bin/env python3
"""Peer check (not part of npm test): does real Keras 3 load what Graft writes?
Needs Python with keras 3 and a backend (e.g. a venv: pip install keras jax; KERAS_BACKEND=jax).
Usage: keras3-peer-check.py REFERENCE.keras GRAFT_WRITTEN.keras|.weights.h5 INPUT_SHAPE
  loads the reference model with keras.saving.load_model, the Graft file either as a whole model
  (.keras) or into a clone of the reference (.weights.h5), and compares predictions on seeded
  random input of INPUT_SHAPE (e.g. 3,10,6); prints the max abs difference and exits 1 if not 0."""
import sys
import numpy as np
import keras

ref_path, graft_path, shape = sys.argv[1], sys.argv[2], tuple(int(s) for s in sys.argv[3].split(','))
ref = keras.saving.load_model(ref_path, compile=False)
if graft_path.endswith('.keras'):
    other = keras.saving.load_model(graft_path, compile=False)
else:
    other = keras.models.clone_model(ref)
    other.load_weights(graft_path)
x = np.random.RandomState(0).rand(*shape).astype('float32')
diff = float(np.max(np.abs(ref.predict(x, verbose=0) - other.predict(x, verbose=0))))
print(f'keras {keras.__version__} ({keras.backend.backend()}): {graft_path} max |diff| = {diff}')
sys.exit(0 if diff == 0 else 1)
