"""The latent space of the cluster CNN: embeddings, nearest neighbours, a 2-D map, anomalies, correlations.

* :mod:`ml.latent.neighbours`: cosine k nearest neighbours over unit-normalised embeddings (numpy).
* :mod:`ml.latent.projection`: PCA by SVD, the latent map's axes.
* :mod:`ml.latent.anomaly`: an isolation forest's anomaly score per subject.
* :mod:`ml.latent.correlate`: Spearman correlation of each latent axis with a property.
* :mod:`ml.latent.space`: everything above for one model version, in one self-describing ``.npz`` file.

Plain numpy (and scikit-learn/scipy imported inside the functions that need them): no Django here.
Definitions and validation figures: docs/latent.md.
"""
